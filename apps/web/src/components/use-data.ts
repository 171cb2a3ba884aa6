import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/**
 * Loads on mount and whenever `key` changes; `pollMs` re-fetches in the background while `poll` says so
 * (a running run's charts), keeping the last answer on screen meanwhile; a 4xx answer stops the polling until
 * `key` changes or `reload` is called.
 */
export function useData<T>(load: () => Promise<T>, key: string, opts: { pollMs?: number; poll?: (data: T | undefined) => boolean } = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    load().then(
      (d) => {
        if (!alive) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => alive && setError(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      alive = false;
    };
  }, [key, tick]);
  useEffect(() => {
    if (!opts.pollMs) return;
    // what the server refused (no such run, a bad filter) it refuses again: asking on a timer only repeats the error
    if (error instanceof ApiError && error.status < 500) return;
    if (opts.poll && !opts.poll(data)) return;
    const timer = setTimeout(() => setTick((t) => t + 1), opts.pollMs);
    return () => clearTimeout(timer);
  }, [data, error, tick, opts.pollMs]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
