import type { CliContext } from '../context.js';

export async function runSweepJob(_ctx: CliContext, _data: unknown, _context: { jobId: string; log: (line: string) => void; signal: AbortSignal }): Promise<unknown> {
  throw new Error('sweep jobs are not implemented yet');
}
