/**
 * The parts quick commands need (`leakproof log` runs once per logged metric in a child process; `runs show`,
 * `manifest`), without loading the trainer and tfjs that the main entry pulls in (seconds of start-up).
 */
export type { ExperimentContext } from './context.js';
export { auditRecordInput } from './audit-record.js';
export { patientKeyFor } from './manifest.js';
export { predictionsArtifactKind } from './predictions-artifact.js';
export { artifactRootPath, TrackingClient, TrackingRequestError, trackingTargetFromEnv, type TrackingTarget } from './tracking-client.js';
