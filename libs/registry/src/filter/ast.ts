/** The filter language's syntax tree. `column` is 1-based, for error messages. */
export type Scope = 'params' | 'metrics' | 'tags' | 'attributes';
export type Aggregate = 'last' | 'min' | 'max' | 'avg';
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';

export interface FieldRef {
  scope: Scope;
  /** key path; params may be nested (params.optimizer.lr), others have one segment */
  path: string[];
  /** metrics only; a bare metrics.k means last(metrics.k) */
  aggregate?: Aggregate;
  column: number;
}

export type Literal = { type: 'number'; value: number; column: number } | { type: 'string'; value: string; column: number };

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; field: FieldRef; op: ComparisonOp; value: Literal; column: number };

export interface OrderTerm {
  field: FieldRef;
  direction: 'asc' | 'desc';
}

export const attributeNames = ['status', 'name', 'backend', 'model', 'created', 'id', 'experiment'] as const;
export type AttributeName = (typeof attributeNames)[number];
