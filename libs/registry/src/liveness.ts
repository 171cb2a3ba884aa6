import { hostname } from 'node:os';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunningRun {
  id: number;
  pid: number | null;
  hostname: string | null;
  heartbeatAt: Date;
}

/**
 * A 'running' run is dead when its process is gone (same host: checked by pid) or, for another host
 * or a run without a pid, when its heartbeat is older than staleAfterMs (a pid there means nothing here).
 */
export function isRunDead(run: RunningRun, now: Date, staleAfterMs: number, host = hostname()): boolean {
  const stale = now.getTime() - run.heartbeatAt.getTime() > staleAfterMs;
  if (run.hostname === host && run.pid !== null) {
    return run.pid !== process.pid && !isProcessAlive(run.pid);
  }
  return stale;
}
