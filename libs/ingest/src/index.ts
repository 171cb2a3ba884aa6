export * from './manifest-schema.js';
export * from './decode.js';
export { IngestUserError } from './user-error.js';
export { canonicalSplit, defaultSplitAliases } from './split-names.js';
export {
  patientId,
  kermanyPatient,
  kermanyStrictPatient,
  folderPatient,
  regexPatient,
  kermanySeries,
  describeIdRule,
  type IdRule,
} from './patient-id.js';
export { datasetConfigSchema, idRuleSchema, loadDatasetConfig, parseDatasetConfig, resolvedIdRule, type DatasetConfig } from './dataset-config.js';
export { buildManifest, type BuildManifestOptions } from './build-manifest.js';
export { summarizeManifest, type ManifestSummary } from './summarize.js';
export { carveByPatient, patientLabel, type CarveOptions } from './carve.js';
export { sniffFormat, headerDimensions, looksTruncated, imageExtensions, type ImageFormat } from './sniff.js';
export { inspectImageFile, type Inspection } from './inspect-file.js';
/** the shared seeded generator (`mulberry32` in @leakproof/core), under the name carving has always used */
export { mulberry32 as seededRandom } from '@leakproof/core';
