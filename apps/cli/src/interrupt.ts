/**
 * An AbortSignal fired by the first SIGINT/SIGTERM while `use` runs (a second one kills the process as usual),
 * so long-running commands (worker, distributed audit) can stop cleanly.
 */
export async function withInterrupt<T>(use: (signal: AbortSignal, onStop: (fn: (sig: string) => void) => void) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const listeners: ((sig: string) => void)[] = [];
  const handler = (sig: NodeJS.Signals): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    listeners.forEach((fn) => fn(sig));
    controller.abort();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  try {
    return await use(controller.signal, (fn) => listeners.push(fn));
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}
