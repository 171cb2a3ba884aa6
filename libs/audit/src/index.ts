export { policySchema, defaultPolicy, loadPolicy, parsePolicy, policyHash, PolicyError, findingKinds, type Policy, type PolicyInput, type FindingKind } from './policy.js';
export { splitFingerprint } from './fingerprint.js';
export { auditReportSchema, findingSchema, type AuditReport, type Finding, type SplitSummary } from './report-schema.js';
export { auditManifest, TOOL, type AuditOptions, type AuditProgress } from './audit.js';
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
  verifyPairBatch,
  pairsToVerify,
  pairScoreKey,
  assembleReport,
  AUDIT_ALGORITHM,
  type CandidateSet,
  type PairToVerify,
  type HashBatchOptions,
  type VerifyBatchOptions,
  type AssembleOptions,
} from './audit-stages.js';
export type { MatchedPair } from './findings.js';
export type { NearCandidate } from './near-search.js';
