export { queueSettingsSchema, queueSettingsFromEnv, codeVersion, queueName, jobKinds, queueGroups, type QueueSettings, type JobKind } from './settings.js';
export { DistributedModeError, DistributedAuditCancelled, DatasetNotVisibleError, requirePostgres } from './errors.js';
export { connectQueue, isConnectionError, type QueueConnection } from './connection.js';
export { runWorker, parseQueues, type WorkerOptions, type JobHandler } from './worker.js';
export { distributedAudit, type DistributedAuditOptions } from './coordinator.js';
export { listWorkers, type WorkerStatus } from './workers-list.js';
export { testHooksFromEnv, type WorkerTestHooks } from './audit-jobs.js';
export { hashSettings } from './audit-store.js';
export { deterministicJobId } from './job-ids.js';
