import Table from 'cli-table3';
import { listWorkers, queueSettingsFromEnv, type WorkerStatus } from '@leakproof/queue';
import type { CommandHandler } from '../command-table.js';
import { result } from '../output.js';

/** `leakproof workers`: the fleet as its heartbeats show it. */
export const run: CommandHandler = async (ctx) => {
  const workers = await listWorkers(ctx.env['DATABASE_URL'], { heartbeatSeconds: queueSettingsFromEnv(ctx.env).heartbeatSeconds });
  return result(workers, { table: (w) => renderWorkers(w as WorkerStatus[]) });
};

function renderWorkers(workers: WorkerStatus[]): string {
  if (workers.length === 0) return 'no workers have registered (start one with `leakproof worker`)';
  const table = new Table({ head: ['host', 'pid', 'version', 'status', 'current job', 'last seen', 'queues'] });
  for (const w of workers) {
    const job = w.currentJobs.map((j) => `${j.kind} ${j.id.slice(0, 8)}`).join(', ') || '-';
    const ago = Math.round((Date.now() - new Date(w.lastSeen).getTime()) / 1000);
    table.push([w.host, String(w.pid), w.version, w.status, job, `${ago} s ago`, w.queues.map((q) => q.replace(/^leakproof-/, '')).join(' ')]);
  }
  return table.toString();
}
