export { policySchema, defaultPolicy, loadPolicy, parsePolicy, policyHash, PolicyError, findingKinds, type Policy, type PolicyInput, type FindingKind } from './policy.js';
export { splitFingerprint } from './fingerprint.js';
export { auditReportSchema, findingSchema, type AuditReport, type Finding, type SplitSummary } from './report-schema.js';
export { auditManifest, TOOL, type AuditOptions, type AuditProgress, type Decoder } from './audit.js';
export { renderAuditTable, renderAuditMarkdown } from './render-text.js';
export { renderAuditHtml, buildThumbnails, type Thumbnails } from './render-html.js';
export { renderJUnit } from './render-junit.js';
export { gateConfigSchema, lockFileSchema, loadGateConfig, loadLockFile, saveLockFile, type GateConfig, type LockFile } from './gate-config.js';
export { MultiIndexHash, bruteForceQuery } from './mih-index.js';
export { hexToWords, wordsToHex, hamming, hammingHex, CODE_WORDS } from './bits.js';
export { blockhashGray, blockhashes, hashImageFile, pixelHash, CROP_VARIANTS, type ImageHashes, type HashOutcome } from './image-hash.js';
export { similarity, loadThumb, normalise, type Thumb } from './verify.js';
export { hashFiles } from './hash-pool.js';
export {
  hashImageBatch,
  candidatePairs,
  verifyViews,
  pairScoreKey,
  assembleReport,
  auditTimings,
  AUDIT_ALGORITHM,
  type CandidateSet,
  type NearCandidate,
  type HashBatchOptions,
  type AssembleOptions,
} from './audit-stages.js';
export { decodeCodes, decodeView } from './candidates.js';
export { descriptorCandidates, defaultDescriptorSearch, type DescriptorItem, type DescriptorCandidate, type DescriptorSearchOptions } from './near-index.js';
export { verifyPairs, type PairOutcome, type VerifyPairsOptions } from './verify-pairs.js';
export { compareOptions, compareSettings, ViewComparer } from './view-comparer.js';
export { compareViews, nearRecord, contentBox, VIEW_SIZE, DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE } from './near-kernel.mjs';
export { buildFindings, type MatchedPair } from './findings.js';
