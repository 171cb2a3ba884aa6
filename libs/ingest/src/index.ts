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
export { datasetConfigSchema, idRuleSchema, loadDatasetConfig, parseDatasetConfig, resolvedIdRule, type DatasetConfig, type DatasetConfigInput } from './dataset-config.js';
export { buildManifest, type BuildManifestOptions } from './build-manifest.js';
export { summarizeManifest, type ManifestSummary } from './summarize.js';
export { carveByPatient, patientLabel, type CarveOptions } from './carve.js';
export { sniffFormat, headerDimensions, looksTruncated, imageExtensions, type ImageFormat } from './sniff.js';
export { inspectImageFile, type Inspection } from './inspect-file.js';
/** the shared seeded generator (`mulberry32` in @leakproof/core), under the name carving has always used */
export { mulberry32 as seededRandom } from '@leakproof/core';
export { previewPng } from './decode.js';
export { isDicom, transferSyntaxName, supportedTransferSyntaxes } from './dicom-header.js';
export { encodeDicom, encodeJpegLossless, type DicomFixture } from './dicom-writer.js';
export { resolvePatientIdKey, patientIdKeyFrom, pseudonym, PATIENT_ID_KEY_ENV, PATIENT_ID_KEY_FILE_ENV, DEFAULT_PATIENT_ID_KEY_FILE, type PatientIdKey } from './patient-key.js';
export { presetNames, padchestLabels, type PresetConfig, type PresetName } from './presets/index.js';
/** miniature copies of the public sets' layouts, for tests and demos (no download) */
export * as presetFixtures from './presets/preset-fixtures.js';
