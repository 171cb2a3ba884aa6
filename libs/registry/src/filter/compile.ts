import { sql, type SQL } from 'drizzle-orm';
import type { AttributeName, ComparisonOp, FieldRef, FilterNode, Literal, OrderTerm } from './ast.js';

// Operators and column names come from these fixed maps, never from the filter text;
// every key and value from the filter is a bound parameter.
const textOps: Record<ComparisonOp, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=', '~': '~*' };
const summaryColumn = {
  last: sql.raw('s.last_value'),
  min: sql.raw('s.min_value'),
  max: sql.raw('s.max_value'),
  avg: sql.raw('s.avg_value'),
} as const;
const attributeColumn: Record<AttributeName, SQL> = {
  status: sql.raw('r.status'),
  name: sql.raw('r.name'),
  backend: sql.raw('r.backend'),
  model: sql.raw('r.model'),
  created: sql.raw('r.created_at'),
  id: sql.raw('r.id'),
  experiment: sql.raw('e.name'),
};

const op = (o: ComparisonOp): SQL => sql.raw(textOps[o]);

/**
 * Run ids from a (key, value) index. At the top of an AND chain PostgreSQL may turn this into a semi-join;
 * under OR/NOT it becomes one hashed subplan probed while walking runs. run_id is never null, so the result is.
 */
function inSet(subquery: SQL): SQL {
  return sql`r.id in (${subquery})`;
}

function literalSql(value: Literal, as: 'float8' | 'text' | 'timestamptz'): SQL {
  const v = value.type === 'number' && as === 'text' ? String(value.value) : value.value;
  return sql`${v}::${sql.raw(as)}`;
}

function compileCompare(field: FieldRef, o: ComparisonOp, value: Literal): SQL {
  const key = field.path[0] as string;
  switch (field.scope) {
    case 'metrics': {
      const column = summaryColumn[field.aggregate ?? 'last'];
      // NaN sorts above every number in PostgreSQL: a NaN last value must not satisfy `> x` (migration 0009)
      return inSet(sql`select s.run_id from metric_summaries s where s.key = ${key}::text and ${column} ${op(o)} ${literalSql(value, 'float8')} and ${column} <> 'NaN'::float8`);
    }
    case 'tags':
      return inSet(sql`select t.run_id from tags t where t.key = ${key}::text and t.value ${op(o)} ${literalSql(value, 'text')}`);
    case 'params': {
      const column = value.type === 'number' ? sql.raw('p.num_value') : sql.raw('p.text_value');
      return inSet(sql`select p.run_id from run_params p where p.key = ${field.path.join('.')}::text and ${column} ${op(o)} ${literalSql(value, value.type === 'number' ? 'float8' : 'text')}`);
    }
    case 'attributes': {
      const attr = key as AttributeName;
      const as = attr === 'id' ? 'float8' : attr === 'created' ? 'timestamptz' : 'text';
      return sql`coalesce(${attributeColumn[attr]} ${op(o)} ${literalSql(value, as)}, false)`;
    }
  }
}

/** Compiles a filter AST to a boolean SQL expression over `runs r` joined to `experiments e`. */
export function compileFilter(node: FilterNode | undefined): SQL {
  if (!node) return sql`true`;
  switch (node.type) {
    case 'and':
      return sql`(${compileFilter(node.left)} and ${compileFilter(node.right)})`;
    case 'or':
      return sql`(${compileFilter(node.left)} or ${compileFilter(node.right)})`;
    case 'not':
      return sql`(not ${compileFilter(node.operand)})`;
    case 'compare':
      return compileCompare(node.field, node.op, node.value);
  }
}

export interface CompiledOrder {
  joins: SQL;
  orderBy: SQL;
}

/**
 * ORDER BY terms; metrics, params and tags come in through LEFT JOINs on their (run, key) primary keys.
 * innerJoinFirst: only runs having the first (metric) term, so the (key, value) index can give the order.
 */
export function compileOrder(terms: OrderTerm[], opts: { innerJoinFirst?: boolean } = {}): CompiledOrder {
  const joins: SQL[] = [];
  const parts: SQL[] = [];
  terms.forEach((term, i) => {
    const key = term.field.path[0] as string;
    const dir = sql.raw(term.direction === 'desc' ? 'desc' : 'asc');
    let expr: SQL;
    if (term.field.scope === 'metrics') {
      const alias = sql.raw(`o${i}`);
      const join = sql.raw(i === 0 && opts.innerJoinFirst ? 'join' : 'left join');
      joins.push(sql`${join} metric_summaries ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${key}::text`);
      const agg = term.field.aggregate ?? 'last';
      expr = sql`${alias}.${sql.raw(`${agg}_value`)}`;
      if (i === 0 && opts.innerJoinFirst) {
        // no NULLS clause (inner join: there are none), so the order is that of a forward or backward scan of the
        // (key, value, run_id) index and LIMIT stops the walk early (ties: an incremental sort of equal values)
        parts.push(sql`${expr} ${dir}`);
        return;
      }
    } else if (term.field.scope === 'tags') {
      const alias = sql.raw(`o${i}`);
      joins.push(sql`left join tags ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${key}::text`);
      expr = sql`${alias}.value`;
    } else if (term.field.scope === 'params') {
      const alias = sql.raw(`o${i}`);
      joins.push(sql`left join run_params ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${term.field.path.join('.')}::text`);
      expr = sql`${alias}.num_value ${dir} nulls last, ${alias}.text_value`;
    } else {
      expr = attributeColumn[key as AttributeName];
    }
    parts.push(sql`${expr} ${dir} nulls last`);
  });
  // o0.run_id is r.id; named so a descending metric's tie-break is the index's own order
  parts.push(terms.length === 0 ? sql`r.created_at desc, r.id desc` : opts.innerJoinFirst ? sql`o0.run_id desc` : sql`r.id desc`);
  return { joins: sql.join(joins, sql` `), orderBy: sql.join(parts, sql`, `) };
}
