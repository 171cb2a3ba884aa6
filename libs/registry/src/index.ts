export { openRegistry, migrationsFolder, defaultStatementTimeoutMs, type OpenRegistryOptions } from './open.js';
export { Registry, type RegistryKind } from './registry.js';
export type { RegistryApi } from './registry-api.js';
export type { QueryOptions } from './query-repo.js';
export { RegistryError } from './errors.js';
export { FilterSyntaxError } from './filter/syntax-error.js';
export { parseFilter, parseOrderBy, filterLimits } from './filter/parse.js';
export { compileFilter, compileOrder, type FilterStrategy, type CompiledFilter } from './filter/compile.js';
export { leavesOf, type FilterNode, type LeafNode, type FieldRef, type Literal, type OrderTerm, type ComparisonOp, type Aggregate, type Scope } from './filter/ast.js';
export {
  auditInputSchema,
  auditFindingSchema,
  auditSplitSchema,
  runInputSchema,
  metricEntrySchema,
  metricKeySchema,
  evaluationInputSchema,
  artifactInputSchema,
  type AuditInput,
  type AuditFindingInput,
  type RunInput,
  type MetricEntry,
  type EvaluationInput,
  type ArtifactInput,
  type RunStatus,
} from './inputs.js';
export type * from './records.js';
export type { RegistryDb } from './db.js';
