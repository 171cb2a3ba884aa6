export { createServer } from './create-server.js';
export { jsonBodyLimit, v1BodyLimit } from './body-limits.js';
export type { ServerDeps } from './deps.js';
export { ApiError } from './errors.js';
export { startServer, openServedRegistry, isLoopback, type StartOptions, type RunningServer } from './start-server.js';
export { RemoteRegistry, RemoteRegistryError } from './remote-registry.js';
export { liveOwner, readOwnerFile, ownerFilePath, newToken, type OwnerFile } from './owner-file.js';
export { LOG_BATCH_LIMITS } from '@leakproof/core/api/mlflow';
export { ensureWebBundle, webBundleIsStale, type UiDeps } from './ui/register.js';
