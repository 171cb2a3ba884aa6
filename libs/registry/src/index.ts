export { openRegistry, migrationsFolder, type OpenRegistryOptions } from './open.js';
export { Registry, type RegistryKind } from './registry.js';
export type { RegistryApi } from './registry-api.js';
export type { QueryOptions } from './query-repo.js';
export { RegistryError } from './errors.js';
export { FilterSyntaxError } from './filter/syntax-error.js';
export { parseFilter, parseOrderBy } from './filter/parse.js';
export { compileFilter, compileOrder } from './filter/compile.js';
export type { FilterNode, FieldRef, Literal, OrderTerm, ComparisonOp, Aggregate, Scope } from './filter/ast.js';
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
