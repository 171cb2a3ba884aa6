/** The filter language's syntax tree. `column` is 1-based and counts characters (code points), for error messages. */
export type Scope = 'params' | 'metrics' | 'tags' | 'attributes';
export type Aggregate = 'last' | 'min' | 'max' | 'avg';
/** `~` is a case-insensitive POSIX regex; `like` is case-sensitive and `ilike` not, as in MLflow. */
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | 'like' | 'ilike';

export interface FieldRef {
  scope: Scope;
  /** key path (tags.mlflow.runName has two segments); attributes have one, their canonical name */
  path: string[];
  /** metrics only; a bare metrics.k means last(metrics.k) */
  aggregate?: Aggregate;
  column: number;
}

export type Literal = { type: 'number'; value: number; column: number } | { type: 'string'; value: string; column: number };

export type FilterNode =
  | { type: 'and' | 'or'; operands: FilterNode[] }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; field: FieldRef; op: ComparisonOp; value: Literal; column: number }
  /** `field in (a, b)` / `field not in (a, b)`: false when the run lacks the key, like every comparison */
  | { type: 'in'; field: FieldRef; negated: boolean; values: Literal[]; column: number }
  /** `field is null` holds when the run has no such key (a missing tag, param or metric) */
  | { type: 'null'; field: FieldRef; negated: boolean; column: number };

export type LeafNode = Extract<FilterNode, { field: FieldRef }>;

export interface OrderTerm {
  field: FieldRef;
  direction: 'asc' | 'desc';
}

/** The project's attribute names; MLflow's names map onto them (see attributeAliases). */
export const attributeNames = ['status', 'name', 'backend', 'model', 'created', 'finished', 'id', 'experiment'] as const;
export type AttributeName = (typeof attributeNames)[number];

/** MLflow's attribute names (search_runs) and what they mean here. */
export const attributeAliases: Record<string, AttributeName> = {
  run_id: 'id',
  run_name: 'name',
  start_time: 'created',
  end_time: 'finished',
  experiment_name: 'experiment',
};

/** MLflow's run statuses, upper case there; KILLED is what Leakproof calls interrupted. */
export const runStatuses = ['running', 'finished', 'failed', 'interrupted'] as const;
export const mlflowStatusAliases: Record<string, string> = { killed: 'interrupted' };

/** Every leaf (comparison) of a filter, depth-first, without recursion (filters may be long). */
export function leavesOf(node: FilterNode | undefined): LeafNode[] {
  const out: LeafNode[] = [];
  const stack: FilterNode[] = node ? [node] : [];
  while (stack.length > 0) {
    const n = stack.pop() as FilterNode;
    if ('operands' in n) for (let i = n.operands.length - 1; i >= 0; i--) stack.push(n.operands[i] as FilterNode);
    else if ('operand' in n) stack.push(n.operand);
    else out.push(n);
  }
  return out;
}
