import type { ImageRecord, Manifest, Problem } from '@leakproof/ingest';
import { assembleReport, auditTimings, candidatePairs, pairScoreKey, type AuditReport, type HashOutcome, type NearCandidate, type Policy } from '@leakproof/audit';
import type { HashShard, VerifyShard } from './audit-jobs.js';
import { hashSettings, loadHashesWithoutViews, loadScores, storedPairKey, storedShas } from './audit-store.js';
import { connectQueue, type QueueConnection } from './connection.js';
import { DistributedAuditCancelled } from './errors.js';
import { deterministicJobId } from './job-ids.js';
import { queueName, type QueueSettings } from './settings.js';

export interface DistributedAuditOptions {
  databaseUrl: string | undefined;
  version: string;
  settings: QueueSettings;
  policy: Policy;
  /** files per hashing job, and pairs per verification job */
  shardSize: number;
  name?: string;
  maxPixels?: number;
  onProgress?: (progress: { phase: 'hash' | 'verify'; done: number; total: number; jobs: { done: number; total: number; failed: number } }) => void;
  log?: (line: string) => void;
  /** Ctrl-C: cancel this coordinator's unfinished jobs and throw DistributedAuditCancelled */
  signal?: AbortSignal;
  /** how often the coordinator looks at its jobs (ms); default 200 (one indexed query on the job table) */
  pollMs?: number;
}

interface PlannedJob<T> {
  id: string;
  data: T;
  /** content keys (hash) or pair keys (verify) this job covers */
  keys: string[];
}

/**
 * The coordinator of a distributed audit: the same four stages as auditManifest, with stages 1 and 3 cut into
 * jobs for `leakproof worker` processes and their results read back from the content-keyed tables. The report
 * is assembled by the same function from the same values, so findings, verdict and fingerprint are identical.
 */
export async function distributedAudit(manifest: Manifest, options: DistributedAuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const q = await connectQueue(options.databaseUrl, { settings: options.settings, version: options.version, log });
  try {
    const settings = hashSettings(options.maxPixels);
    const images = manifest.images;
    const bySha = new Map<string, ImageRecord>();
    for (const r of images) if (!bySha.has(r.sha256)) bySha.set(r.sha256, r);
    const shas = [...bySha.keys()];

    const before = await storedShas(q, shas, settings);
    const missing = shas.filter((s) => !before.has(s));
    const hashJobs = chunk(missing, options.shardSize).map((part) => hashJob(manifest.root, part, bySha, settings, options));
    const crashed = await runJobs(q, 'audit-hash', hashJobs, {
      ...options,
      log,
      total: shas.length,
      alreadyDone: shas.length - missing.length,
      split: (job) => job.data.files.map((f) => hashJob(manifest.root, [f.sha256], bySha, settings, options)),
    });
    // the views stay in the table: verification jobs read them there, the candidate search does not need them
    const stored = await loadHashesWithoutViews(q, shas, settings);
    const hashes = images.map((r) => stored.get(r.sha256) ?? crashOutcome(crashed.get(r.sha256)));
    const hashMs = performance.now() - started;

    const indexStarted = performance.now();
    const set = await candidatePairs(images, hashes, options.policy);
    const indexMs = performance.now() - indexStarted;

    const verifyStarted = performance.now();
    const pixel = (i: number): string => (hashes[i] as Extract<HashOutcome, { ok: true }>).pixel;
    const keyOf = (c: NearCandidate): string => storedPairKey(pairScoreKey(pixel(c.source), pixel(c.target), c.startScale, options.policy), options.maxPixels);
    const keys = set.candidates.map(keyOf);
    const distinctKeys = [...new Set(keys)];
    const known = await loadScores(q, distinctKeys);
    const seen = new Set<string>();
    const todo = set.candidates.filter((_, k) => {
      const key = keys[k] as string;
      if (known.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const verifyJobs = chunk(todo, options.shardSize).map((part) => verifyJob(manifest, part, keyOf, settings, options));
    const crashedPairs = await runJobs(q, 'audit-verify', verifyJobs, {
      ...options,
      log,
      total: distinctKeys.length,
      alreadyDone: distinctKeys.length - todo.length,
      split: (job) => job.data.pairs.map((p) => ({ id: deterministicJobId('verify', options.version, manifest.root, p.key), data: { ...job.data, pairs: [p] }, keys: [p.key] })),
    });
    const scores = await loadScores(q, distinctKeys);
    const verifyMs = performance.now() - verifyStarted;

    const extraProblems: Problem[] = set.candidates.flatMap((c, k) => {
      const why = crashedPairs.get(keys[k] as string);
      return why === undefined ? [] : [{ path: (images[c.source] as ImageRecord).path, kind: 'unreadable' as const, message: `verifying it against ${(images[c.target] as ImageRecord).path} failed on every attempt: ${why}`, hint: 'check the file; the pair was left out of the near-duplicate check', severity: 'error' as const }];
    });
    return assembleReport(manifest, hashes, set, keys.map((k) => scores.get(k) ?? -1), {
      policy: options.policy,
      ...(options.name === undefined ? {} : { name: options.name }),
      extraProblems,
      timings: auditTimings(images.length, missing.length, { hash: hashMs, index: indexMs, verify: verifyMs }, started),
    });
  } finally {
    await q.close();
  }
}

function hashJob(root: string, part: string[], bySha: Map<string, ImageRecord>, settings: string, options: DistributedAuditOptions): PlannedJob<HashShard> {
  const files = part.map((sha) => ({ path: (bySha.get(sha) as ImageRecord).path, sha256: sha }));
  const data: HashShard = { version: options.version, root, settings, ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }), files };
  return { id: deterministicJobId('hash', options.version, root, settings, ...part), data, keys: part };
}

function verifyJob(manifest: Manifest, part: NearCandidate[], keyOf: (c: NearCandidate) => string, settings: string, options: DistributedAuditOptions): PlannedJob<VerifyShard> {
  const pairs = part.map((c) => {
    const [source, target] = [manifest.images[c.source] as ImageRecord, manifest.images[c.target] as ImageRecord];
    return { source: source.path, target: target.path, sourceSha256: source.sha256, targetSha256: target.sha256, startScale: c.startScale, key: keyOf(c) };
  });
  const data: VerifyShard = { version: options.version, root: manifest.root, settings, policy: options.policy, ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }), pairs };
  return { id: deterministicJobId('verify', options.version, manifest.root, ...pairs.map((p) => p.key)), data, keys: pairs.map((p) => p.key) };
}

/** A file whose job failed on every attempt as a single-file job: a decoder crash, reported as a problem. */
function crashOutcome(why: string | undefined): HashOutcome {
  return { ok: false, kind: 'unreadable', message: `hashing it failed on every attempt on the workers (${why ?? 'no result stored'})` };
}

interface RunJobsOptions<T> extends DistributedAuditOptions {
  log: (line: string) => void;
  total: number;
  /** items stored before this run's jobs: progress counts on from there, by the items of completed jobs */
  alreadyDone: number;
  /** a failed multi-item job is split into single-item jobs, so one poisoned item fails alone */
  split: (job: PlannedJob<T>) => PlannedJob<T>[];
}

/**
 * Enqueues the jobs (ids make it idempotent), shows progress from the result table, resumes jobs another
 * coordinator cancelled, splits failed jobs, and returns the keys of single-item jobs that failed for good.
 */
async function runJobs<T extends object>(q: QueueConnection, kind: 'audit-hash' | 'audit-verify', jobs: PlannedJob<T>[], options: RunJobsOptions<T>): Promise<Map<string, string>> {
  const name = queueName(kind, options.version);
  const phase = kind === 'audit-hash' ? 'hash' : 'verify';
  const pending = new Map(jobs.map((j) => [j.id, j]));
  const failedForGood = new Map<string, string>();
  const jobCounts = { done: 0, total: jobs.length, failed: 0 };
  // progress from the job table alone: counting stored results instead would send every key each poll
  let done = options.alreadyDone;
  await enqueue(q, name, jobs);
  const onAbort = (): void => void cancel(q, name, [...pending.keys()]);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    options.onProgress?.({ phase, done, total: options.total, jobs: jobCounts });
    while (pending.size > 0) {
      if (options.signal?.aborted) {
        await cancel(q, name, [...pending.keys()]);
        throw new DistributedAuditCancelled(`distributed audit interrupted: ${pending.size} ${phase} job(s) cancelled`, { code: 'distributed-audit-cancelled', hint: 'run the same command again to resume: finished shards are not redone' });
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
      const states = await jobStates(q, name, [...pending.keys()]);
      for (const [id, job] of [...pending]) {
        const s = states.get(id);
        if (s === undefined) {
          // archived past retention or deleted: enqueue it again (finished items are skipped by the worker)
          await enqueue(q, name, [job]);
        } else if (s.state === 'completed') {
          pending.delete(id);
          jobCounts.done++;
          done += job.keys.length;
        } else if (s.state === 'cancelled') {
          await q.retry('resuming a job', () => q.boss.resume(name, id));
        } else if (s.state === 'failed') {
          pending.delete(id);
          const why = failureMessage(s.output);
          if (job.keys.length > 1) {
            const parts = options.split(job);
            options.log(`${phase} job ${id.slice(0, 8)} failed after its retries (${why}); splitting it into ${parts.length} single-item jobs`);
            jobCounts.total += parts.length - 1;
            await enqueue(q, name, parts);
            for (const p of parts) pending.set(p.id, p);
          } else {
            jobCounts.failed++;
            failedForGood.set(job.keys[0] as string, why);
            options.log(`${phase} job for ${job.keys[0]?.slice(0, 12)} failed for good: ${why}`);
          }
        }
      }
      options.onProgress?.({ phase, done, total: options.total, jobs: jobCounts });
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return failedForGood;
}

async function enqueue<T extends object>(q: QueueConnection, name: string, jobs: PlannedJob<T>[]): Promise<void> {
  const { settings } = q;
  for (let i = 0; i < jobs.length; i += 500) {
    const part = jobs.slice(i, i + 500).map((j) => ({ id: j.id, name, data: j.data, retryLimit: settings.retryLimit, retryDelay: settings.retryDelaySeconds, expireInSeconds: settings.leaseSeconds }));
    await q.retry('enqueueing jobs', () => q.boss.insert(part));
  }
}

async function cancel(q: QueueConnection, name: string, ids: string[]): Promise<void> {
  if (ids.length > 0) await q.retry('cancelling jobs', () => q.boss.cancel(name, ids)).catch(() => undefined);
}

/** States straight from pg-boss's job table (one query for all of them instead of one getJobById each). */
async function jobStates(q: QueueConnection, name: string, ids: string[]): Promise<Map<string, { state: string; output: unknown }>> {
  const { rows } = await q.retry('reading job states', () =>
    q.pool.query<{ id: string; state: string; output: unknown }>('select id, state, output from pgboss.job where name = $1 and id = any($2::uuid[])', [name, ids]),
  );
  return new Map(rows.map((r) => [r.id, { state: r.state, output: r.output }]));
}

function failureMessage(output: unknown): string {
  const o = output as { message?: unknown; value?: unknown } | null;
  if (o && typeof o.message === 'string') return o.message;
  return o ? JSON.stringify(o).slice(0, 200) : 'no output (the worker process died: lease expired)';
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

