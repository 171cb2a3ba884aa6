/**
 * What `leakproof log` (run once per logged value by a training script) and `leakproof audit` need, without the
 * trainer and tfjs that the main entry pulls in.
 */
export type { ExperimentContext } from './context.js';
export { auditRecordInput } from './audit-record.js';
export { artifactRootPath, TrackingClient, TrackingRequestError, trackingTargetFromEnv, type TrackingTarget } from './tracking-client.js';
