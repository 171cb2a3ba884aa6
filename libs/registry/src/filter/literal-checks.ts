import { mlflowStatusAliases, runStatuses, type ComparisonOp, type FieldRef, type Literal } from './ast.js';
import { FilterSyntaxError } from './syntax-error.js';

const isoDate = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Why a date string is not a real ISO date or datetime, or undefined when it is one. */
export function invalidDate(value: string): string | undefined {
  const m = isoDate.exec(value.trim());
  if (!m) return `'${value}' is not a date: write it as '2025-01-31' or '2025-01-31T12:00:00Z' (or MLflow's milliseconds since 1970)`;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1).map((p) => (p === undefined ? undefined : Number(p))) as number[];
  const probe = new Date(Date.UTC(year as number, (month as number) - 1, day as number));
  const realDay = probe.getUTCFullYear() === year && probe.getUTCMonth() === (month as number) - 1 && probe.getUTCDate() === day;
  if ((year as number) < 1 || !realDay) return `'${value}' is not a real date (no day ${day} in month ${month} of ${year})`;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return `'${value}' is not a real time of day`;
  return undefined;
}

const textOps = new Set<ComparisonOp>(['~', 'like', 'ilike']);

/**
 * Checks a literal against its field and returns it normalised (a run id given as MLflow's quoted string
 * becomes a number, a date as milliseconds becomes ISO text, a status is lower-cased, KILLED is interrupted).
 */
export function checkLiteral(input: string, field: FieldRef, op: ComparisonOp | 'in', value: Literal): Literal {
  const fail = (reason: string): never => {
    throw new FilterSyntaxError(input, value.column, reason);
  };
  const name = `${field.scope}.${field.path.join('.')}`;
  if (value.type === 'number' && !Number.isFinite(value.value)) fail(`${value.value} is out of range for a number`);
  const attr = field.scope === 'attributes' ? field.path[0] : undefined;
  if (field.scope === 'metrics') {
    if (textOps.has(op as ComparisonOp)) fail(`'${op}' matches text; ${name} is a number`);
    if (value.type !== 'number') fail(`${name} is a number: compare it with a number`);
    return value;
  }
  if (attr === 'id') {
    if (textOps.has(op as ComparisonOp)) fail(`'${op}' matches text; run ids are integers`);
    // MLflow quotes run ids; here they are integers
    if (value.type === 'string' && !/^\d{1,15}$/.test(value.value)) fail(`run ids are integers, e.g. attributes.run_id = 42 or IN ('41', '42')`);
    return value.type === 'string' ? { type: 'number', value: Number(value.value), column: value.column } : value;
  }
  if (attr === 'created' || attr === 'finished') {
    if (textOps.has(op as ComparisonOp)) fail(`'${op}' matches text; ${name} is a date`);
    if (value.type === 'number') {
      const ms = new Date(value.value);
      if (Number.isNaN(ms.getTime())) fail(`${value.value} is out of range for milliseconds since 1970`);
      return { type: 'string', value: ms.toISOString(), column: value.column };
    }
    const why = invalidDate(value.value);
    if (why) fail(why);
    return value;
  }
  if (value.type === 'number' && field.scope === 'tags') fail(`tags are text: quote the value, e.g. '${value.value}'`);
  if (value.type === 'number' && attr) fail(`attributes.${attr} is text: quote the value, e.g. '${value.value}'`);
  if (value.type === 'number' && textOps.has(op as ComparisonOp)) fail(`'${op}' takes a quoted pattern`);
  if (value.type !== 'string') return value;
  if (op === '~') {
    try {
      new RegExp(value.value);
    } catch {
      fail(`invalid regular expression '${value.value}'`);
    }
  }
  if ((op === 'like' || op === 'ilike') && /(^|[^\\])(\\\\)*\\$/.test(value.value)) {
    fail(`a ${op.toUpperCase()} pattern cannot end with a lone backslash: a backslash escapes the next character`);
  }
  if (attr === 'status' && !textOps.has(op as ComparisonOp)) {
    const lower = value.value.toLowerCase();
    const status = mlflowStatusAliases[lower] ?? lower;
    if (!(runStatuses as readonly string[]).includes(status)) {
      fail(`unknown run status '${value.value}': use ${runStatuses.join(', ')} (MLflow's RUNNING, FINISHED, FAILED, KILLED work too)`);
    }
    return { ...value, value: status };
  }
  return value;
}
