// Browser-safe shared contracts: no node: imports here (the web client bundles this entry).
// Node-only helpers (paths under .leakproof/) live in ./node.ts, imported as '@leakproof/core/node'.
export { InterruptedError, LeakproofError, ProblemError, ProblemFoundError, UsageError, isLeakproofError } from './errors.js';
export * from './api/ui.js';
export { mulberry32, shuffleInPlace, shuffled } from './random.js';
export { mapLimited } from './concurrency.js';
export {
  findingBaseSchema,
  findingKinds,
  findingKindSchema,
  findingSeveritySchema,
  fixedThresholdSchema,
  targetRecallSchema,
  thresholdRuleNames,
  thresholdRuleSchema,
  runStatusSchema,
  boundCommandBackend,
  mlflowClientBackend,
  type RunStatus,
  type FindingKind,
  type ThresholdRule,
  type ThresholdRuleName,
} from './contracts.js';
export { thresholdRuleLabel } from './threshold-rule-label.js';
export { fieldRef, filterWordPattern } from './filter-names.js';
export { parseJsonText } from './json-text.js';
export { parseDecimal } from './decimal.js';
export { redactUrl } from './redact-url.js';
export { noFindingsSentence } from './audit-verdict-text.js';
