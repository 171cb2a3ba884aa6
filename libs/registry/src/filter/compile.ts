import { sql, type SQL } from 'drizzle-orm';
import { leavesOf, type AttributeName, type ComparisonOp, type FieldRef, type FilterNode, type LeafNode, type Literal, type OrderTerm } from './ast.js';

/**
 * How metric, param and tag comparisons reach their tables.
 * - subqueries: each is `r.id in (select run_id … by (key, value) index)`. Selective and fast, but at the top of
 *   an AND chain PostgreSQL turns each into a semi-join and searches join orders: planning took 0.1 s at 8
 *   terms, 3 s at 32, 80 s at 64 on 3,000 runs (bench/registry-query.ts).
 * - pivot: one LEFT JOIN LATERAL per table reads each run's rows for the filter's keys through the (run_id, key)
 *   primary key, pivots them into one column per (key, aggregate), and the filter becomes a boolean expression
 *   over those columns: planning is linear in the terms, execution one index range scan per run and table.
 * - auto: subqueries up to semiJoinLimit comparisons, pivot beyond.
 */
export type FilterStrategy = 'auto' | 'subqueries' | 'pivot';
export const semiJoinLimit = 3;
/** top-level AND comparisons the pivot also gives the planner as index semi-joins */
export const pivotDrivers = 2;

export interface CompiledFilter {
  /** joins the where clause needs (pivot strategy), placed after `runs r join experiments e` */
  joins: SQL;
  where: SQL;
  strategy: Exclude<FilterStrategy, 'auto'>;
}

// Operators and column names come from these fixed maps, never from the filter text;
// every key and value from the filter is a bound parameter.
const sqlOps: Record<ComparisonOp, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=', '~': '~*', like: 'like', ilike: 'ilike' };
const attributeColumn: Record<AttributeName, SQL> = {
  status: sql.raw('r.status'),
  name: sql.raw('r.name'),
  backend: sql.raw('r.backend'),
  model: sql.raw('r.model'),
  created: sql.raw('r.created_at'),
  finished: sql.raw('r.finished_at'),
  id: sql.raw('r.id'),
  experiment: sql.raw('e.name'),
};

type Table = 'metric_summaries' | 'run_params' | 'tags';
interface Source {
  table: Table;
  key: string;
  /** the column compared; undefined for IS [NOT] NULL, which asks whether the run has the key at all */
  column?: string;
}

function sourceOf(leaf: LeafNode): Source {
  const key = leaf.field.path.join('.');
  if (leaf.type === 'null') return { table: tableOf(leaf.field), key };
  const literal = leaf.type === 'in' ? (leaf.values[0] as Literal) : leaf.value;
  switch (leaf.field.scope) {
    case 'metrics':
      return { table: 'metric_summaries', key, column: `${leaf.field.aggregate ?? 'last'}_value` };
    case 'params':
      return { table: 'run_params', key, column: literal.type === 'number' ? 'num_value' : 'text_value' };
    default:
      return { table: 'tags', key, column: 'value' };
  }
}

function tableOf(field: FieldRef): Table {
  return field.scope === 'metrics' ? 'metric_summaries' : field.scope === 'params' ? 'run_params' : 'tags';
}

function literalSql(value: Literal, as: 'int8' | 'float8' | 'text' | 'timestamptz'): SQL {
  const v = value.type === 'number' && as === 'text' ? String(value.value) : value.value;
  return sql`${v}::${sql.raw(as)}`;
}

function castFor(field: FieldRef, value: Literal): 'int8' | 'float8' | 'text' | 'timestamptz' {
  if (field.scope === 'attributes') {
    const attr = field.path[0] as AttributeName;
    // an integer id compares int4 with int8, which the primary key index serves; a float would cast every id
    if (attr === 'id') return value.type === 'number' && Number.isSafeInteger(value.value) ? 'int8' : 'float8';
    return attr === 'created' || attr === 'finished' ? 'timestamptz' : 'text';
  }
  return value.type === 'number' ? 'float8' : 'text';
}

/** `column op value`, `column [not] in (…)`: null (the run lacks the key) compares false. */
function predicate(leaf: Exclude<LeafNode, { type: 'null' }>, column: SQL): SQL {
  const compared = comparison(leaf, column);
  // NaN sorts above every number in PostgreSQL (and `NaN not in (…)` holds): a NaN metric never satisfies a comparison (migration 0009)
  return leaf.field.scope === 'metrics' ? sql`(${compared} and ${column} <> 'NaN'::float8)` : compared;
}

function comparison(leaf: Exclude<LeafNode, { type: 'null' }>, column: SQL): SQL {
  if (leaf.type === 'in') {
    const list = sql.join(
      leaf.values.map((v) => literalSql(v, castFor(leaf.field, v))),
      sql`, `,
    );
    return sql`${column} ${sql.raw(leaf.negated ? 'not in' : 'in')} (${list})`;
  }
  let op = leaf.op;
  // statuses are stored lower case; MLflow writes them upper case: patterns on them ignore case
  if (leaf.field.scope === 'attributes' && leaf.field.path[0] === 'status' && op === 'like') op = 'ilike';
  return sql`${column} ${sql.raw(sqlOps[op])} ${literalSql(leaf.value, castFor(leaf.field, leaf.value))}`;
}

function attributeLeaf(leaf: LeafNode): SQL {
  const column = attributeColumn[leaf.field.path[0] as AttributeName];
  if (leaf.type === 'null') return sql`(${column} ${sql.raw(leaf.negated ? 'is not null' : 'is null')})`;
  return sql`coalesce(${predicate(leaf, column)}, false)`;
}

/** Run ids from a (key, value) index; at the top of an AND chain PostgreSQL may make it a semi-join. */
function subqueryLeaf(leaf: LeafNode): SQL {
  const source = sourceOf(leaf);
  const present = sql`select x.run_id from ${sql.raw(source.table)} x where x.key = ${source.key}::text`;
  if (leaf.type === 'null') return leaf.negated ? sql`r.id in (${present})` : sql`(not r.id in (${present}))`;
  return sql`r.id in (${present} and ${predicate(leaf, sql.raw(`x.${source.column}`))})`;
}

/** One lateral subquery per table; each distinct (key, column) of the filter becomes one output column. */
class Pivot {
  private readonly columns = new Map<Table, Map<string, { alias: string; source: Source }>>();
  private readonly tableAlias: Record<Table, string> = { metric_summaries: 'pm', run_params: 'pp', tags: 'pt' };

  column(source: Source): SQL {
    let byKey = this.columns.get(source.table);
    if (!byKey) this.columns.set(source.table, (byKey = new Map()));
    const id = `${source.column ?? ''}\u0000${source.key}`;
    let entry = byKey.get(id);
    if (!entry) byKey.set(id, (entry = { alias: `c${byKey.size}`, source }));
    return sql.raw(`${this.tableAlias[source.table]}.${entry.alias}`);
  }

  leaf(leaf: LeafNode): SQL {
    const column = this.column(sourceOf(leaf));
    if (leaf.type === 'null') return sql`(${column} ${sql.raw(leaf.negated ? 'is not null' : 'is null')})`;
    return sql`coalesce(${predicate(leaf, column)}, false)`;
  }

  joins(): SQL {
    const joins: SQL[] = [];
    for (const [table, byKey] of this.columns) {
      const outputs = [...byKey.values()].map(({ alias, source }) => {
        const value = source.column ? sql`max(x.${sql.raw(source.column)})` : sql`bool_or(true)`;
        return sql`${value} filter (where x.key = ${source.key}::text) as ${sql.raw(alias)}`;
      });
      const keys = [...new Set([...byKey.values()].map((c) => c.source.key))].map((k) => sql`${k}::text`);
      joins.push(
        sql`left join lateral (select ${sql.join(outputs, sql`, `)} from ${sql.raw(table)} x
              where x.run_id = r.id and x.key in (${sql.join(keys, sql`, `)})) ${sql.raw(this.tableAlias[table])} on true`,
      );
    }
    return sql.join(joins, sql` `);
  }
}

function compileNode(node: FilterNode, leaf: (leaf: LeafNode) => SQL): SQL {
  switch (node.type) {
    case 'and':
    case 'or':
      return sql`(${sql.join(
        node.operands.map((n) => compileNode(n, leaf)),
        sql.raw(` ${node.type} `),
      )})`;
    case 'not':
      return sql`(not ${compileNode(node.operand, leaf)})`;
    default:
      return leaf(node);
  }
}

/** Compiles a filter AST to joins and a boolean SQL expression over `runs r` joined to `experiments e`. */
export function compileFilter(node: FilterNode | undefined, opts: { strategy?: FilterStrategy } = {}): CompiledFilter {
  if (!node) return { joins: sql``, where: sql`true`, strategy: 'subqueries' };
  const scoped = leavesOf(node).filter((l) => l.field.scope !== 'attributes').length;
  const strategy = opts.strategy && opts.strategy !== 'auto' ? opts.strategy : scoped <= semiJoinLimit ? 'subqueries' : 'pivot';
  if (strategy === 'subqueries') {
    return { joins: sql``, where: compileNode(node, (l) => (l.field.scope === 'attributes' ? attributeLeaf(l) : subqueryLeaf(l))), strategy };
  }
  const pivot = new Pivot();
  const where = compileNode(node, (l) => (l.field.scope === 'attributes' ? attributeLeaf(l) : pivot.leaf(l)));
  // The pivot reads every candidate run. A couple of the top-level AND's comparisons repeated as index semi-joins
  // (implied by the where clause, so the result is the same) let PostgreSQL start from the runs they select;
  // two cost the planner almost nothing.
  const drivers = (node.type === 'and' ? node.operands : [node])
    .filter((n): n is LeafNode => 'field' in n && n.field.scope !== 'attributes' && n.type !== 'null' && !(n.type === 'in' && n.negated))
    .slice(0, pivotDrivers)
    .map(subqueryLeaf);
  return { joins: pivot.joins(), where: drivers.length > 0 ? sql`(${sql.join([...drivers, where], sql` and `)})` : where, strategy };
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
    const key = term.field.path.join('.');
    const dir = sql.raw(term.direction === 'desc' ? 'desc' : 'asc');
    let expr: SQL;
    if (term.field.scope === 'metrics') {
      const alias = sql.raw(`o${i}`);
      const value = sql`${alias}.${sql.raw(`${term.field.aggregate ?? 'last'}_value`)}`;
      if (i === 0 && opts.innerJoinFirst) {
        // only numbers (NaN sorts above them in PostgreSQL, null too: `< NaN` leaves both out and is a range of the
        // (key, value, run_id) index). No NULLS clause, so the order is that of a forward or backward scan of that
        // index and LIMIT stops the walk early (ties: an incremental sort of equal values)
        joins.push(sql`join metric_summaries ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${key}::text and ${value} < 'NaN'::float8`);
        parts.push(sql`${value} ${dir}`);
        return;
      }
      joins.push(sql`left join metric_summaries ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${key}::text`);
      // a diverged (NaN) metric sorts with the runs lacking it, never first in `desc`
      expr = sql`nullif(${value}, 'NaN'::float8)`;
    } else if (term.field.scope === 'tags') {
      const alias = sql.raw(`o${i}`);
      joins.push(sql`left join tags ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${key}::text`);
      expr = sql`${alias}.value`;
    } else if (term.field.scope === 'params') {
      const alias = sql.raw(`o${i}`);
      joins.push(sql`left join run_params ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${key}::text`);
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
