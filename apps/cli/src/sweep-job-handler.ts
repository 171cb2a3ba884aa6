import { runSweepJob as runJob } from '@leakproof/experiment';
import { requireVisibleRoot, sweepJobSchema } from '@leakproof/queue';
import { experimentContext, type CliContext } from './context.js';
import { withRegistry } from './registry-access.js';

/**
 * A training job of a sweep, on `leakproof worker`: validated against the queue's schema here, run by the
 * experiment library on this CLI's registry. Loaded only when a training job arrives (it pulls in the trainer).
 */
export async function runSweepJob(ctx: CliContext, raw: unknown, context: { jobId: string; log: (line: string) => void; signal: AbortSignal }): Promise<{ runId: number; reused: boolean }> {
  const job = sweepJobSchema.parse(raw);
  const base = job.config as { dataset: { root: string } };
  requireVisibleRoot(base.dataset.root);
  return runJob({ ...experimentContext(ctx), signal: context.signal }, (use) => withRegistry(ctx, use), job, context);
}
