import { z } from 'zod';
import { TOOL } from '@leakproof/audit';
import { DistributedModeError } from './errors.js';

/**
 * Timings of the queue. Production defaults favour few wasted retries (a lease of 5 minutes is far above a
 * 500-image shard's few seconds); tests shorten them through the same LEAKPROOF_QUEUE_* variables.
 */
export const queueSettingsSchema = z.object({
  /**
   * a job whose worker has not renewed its lease for this long (no heartbeat: killed, cut off) is expired and
   * retried elsewhere; every heartbeat renews it (pg-boss expireIn, moved forward by the worker)
   */
  leaseSeconds: z.number().int().min(1).default(300),
  /** the same for a training job: a worker killed mid-training loses it this long after its last heartbeat */
  trainLeaseSeconds: z.number().int().min(1).max(86_000).default(600),
  /** retries after the first attempt before a job is failed for good */
  retryLimit: z.number().int().min(0).default(2),
  retryDelaySeconds: z.number().int().min(0).default(2),
  /** how often pg-boss supervision expires stale leases (minimum 1 s) */
  maintenanceSeconds: z.number().int().min(1).default(10),
  /** how often an idle worker polls for jobs; pg-boss minimum 0.5 s */
  pollSeconds: z.number().min(0.5).default(1),
  heartbeatSeconds: z.number().min(0.2).default(5),
  /** how long a stopping worker waits for its running jobs before releasing them */
  stopTimeoutSeconds: z.number().min(0).default(60),
});
export type QueueSettings = z.infer<typeof queueSettingsSchema>;

const envNames: Record<keyof QueueSettings, string> = {
  leaseSeconds: 'LEAKPROOF_QUEUE_LEASE_SECONDS',
  trainLeaseSeconds: 'LEAKPROOF_QUEUE_TRAIN_LEASE_SECONDS',
  retryLimit: 'LEAKPROOF_QUEUE_RETRY_LIMIT',
  retryDelaySeconds: 'LEAKPROOF_QUEUE_RETRY_DELAY_SECONDS',
  maintenanceSeconds: 'LEAKPROOF_QUEUE_MAINTENANCE_SECONDS',
  pollSeconds: 'LEAKPROOF_QUEUE_POLL_SECONDS',
  heartbeatSeconds: 'LEAKPROOF_QUEUE_HEARTBEAT_SECONDS',
  stopTimeoutSeconds: 'LEAKPROOF_QUEUE_STOP_TIMEOUT_SECONDS',
};

export function queueSettingsFromEnv(env: Record<string, string | undefined>): QueueSettings {
  const raw: Record<string, number> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = Number(value);
  }
  const parsed = queueSettingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = envNames[issue?.path[0] as keyof QueueSettings];
  throw new DistributedModeError(`${name}='${env[name]}' is not a valid setting: ${issue?.message}`, {
    code: 'queue-setting',
    hint: `set ${name} to a number in range or unset it for the default (libs/queue/README.md, Settings)`,
  });
}

/**
 * The code version jobs carry. A worker only subscribes to the queues of its own version, so jobs of another
 * version are left alone (LEAKPROOF_CODE_VERSION overrides it, e.g. to pin a fleet or in tests).
 */
export function codeVersion(env: Record<string, string | undefined> = process.env): string {
  return env['LEAKPROOF_CODE_VERSION'] || TOOL.version;
}

export const jobKinds = ['audit-hash', 'audit-verify', 'train'] as const;
export type JobKind = (typeof jobKinds)[number];

/** `--queues audit,train` → the job kinds a worker takes. */
export const queueGroups: Record<string, JobKind[]> = { audit: ['audit-hash', 'audit-verify'], train: ['train'] };

/** One pg-boss queue per job kind and code version: `leakproof-audit-hash-v0_1_0`. */
export function queueName(kind: JobKind, version: string): string {
  return `leakproof-${kind}-v${version.replace(/\W/g, '_')}`;
}
