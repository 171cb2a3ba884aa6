import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { useWasmBackend } from './wasm-backend.js';

export const BACKEND_PREFERENCES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

export const BackendInfoSchema = z.object({
  /** tfjs backend name as tf.getBackend() reports it ('tensorflow', 'wasm', 'cpu'). */
  name: z.string(),
  /** Which kernels do the work: libtensorflow, this library's wasm kernels, or pure JS. */
  kernels: z.enum(['native', 'leakproof-wasm', 'cpu']),
  /** Threads one backend instance uses (wasm under Node is single-threaded, tfjs#3830). */
  threads: z.number().int().positive(),
  /** Package and version that provided the backend, e.g. '@tensorflow/tfjs-backend-wasm@4.22.0'. */
  version: z.string(),
  /** Backends tried before this one and why they were skipped. */
  skipped: z.array(z.object({ backend: z.string(), reason: z.string() })),
});
export type BackendInfo = z.infer<typeof BackendInfoSchema>;

export interface SelectBackendOptions {
  prefer?: BackendPreference;
  /** Data-parallel worker count the caller will use; reported, not enforced. */
  threads?: number;
}

export type BackendAttempt = { backend: Exclude<BackendPreference, 'auto'>; load: () => Promise<Omit<BackendInfo, 'skipped' | 'threads'> & { threads?: number }> };

async function loadNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<Omit<BackendInfo, 'skipped'>> {
  // A variable specifier keeps bundlers/TS from resolving an optional, usually absent package.
  const specifier: string = pkg;
  const mod = (await import(specifier)) as { version?: Record<string, string> };
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but the 'tensorflow' backend did not initialise`);
  await tf.ready();
  const version = mod.version?.['tfjs-node'] ?? tf.version_core;
  return { name: 'tensorflow', kernels: 'native', threads: 1, version: `${pkg}@${version}` };
}

/** The chain `selectBackend` walks, fastest first. */
export const BACKEND_ATTEMPTS: readonly BackendAttempt[] = [
  { backend: 'tensorflow-gpu', load: () => loadNative('@tensorflow/tfjs-node-gpu') },
  { backend: 'tensorflow', load: () => loadNative('@tensorflow/tfjs-node') },
  {
    backend: 'wasm',
    load: async () => {
      await useWasmBackend();
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      return { name: 'wasm', kernels: 'leakproof-wasm', version: `@tensorflow/tfjs-backend-wasm@${wasm.version_wasm}` };
    },
  },
  {
    backend: 'cpu',
    load: async () => {
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
      return { name: 'cpu', kernels: 'cpu', version: `@tensorflow/tfjs-backend-cpu@${tf.version_core}` };
    },
  },
];

function preferenceFrom(opts: SelectBackendOptions | undefined, env: NodeJS.ProcessEnv): BackendPreference {
  const raw = opts?.prefer ?? env['LEAKPROOF_BACKEND'] ?? 'auto';
  if (!(BACKEND_PREFERENCES as readonly string[]).includes(raw)) {
    throw new Error(`LEAKPROOF_BACKEND / prefer='${raw}' is not a backend: use one of ${BACKEND_PREFERENCES.join(', ')}`);
  }
  return raw as BackendPreference;
}

/**
 * Picks the fastest backend that loads: tfjs-node-gpu, tfjs-node, wasm + leakproof kernels,
 * cpu. `prefer` (or env LEAKPROOF_BACKEND) starts the chain at that backend, so a preferred
 * backend that fails to load still falls back to the slower ones; each skip is reported.
 */
export async function selectBackend(opts?: SelectBackendOptions, env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  return selectBackendFrom(BACKEND_ATTEMPTS, opts, env);
}

/** `selectBackend` over a given chain (tests pass one whose native entries fail, whatever is installed). */
export async function selectBackendFrom(attempts: readonly BackendAttempt[], opts?: SelectBackendOptions, env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  const prefer = preferenceFrom(opts, env);
  const start = prefer === 'auto' ? 0 : attempts.findIndex((a) => a.backend === prefer);
  const skipped: BackendInfo['skipped'] = [];
  for (const attempt of attempts.slice(start)) {
    try {
      const info = await attempt.load();
      return BackendInfoSchema.parse({ ...info, threads: opts?.threads ?? info.threads ?? 1, skipped });
    } catch (err) {
      skipped.push({ backend: attempt.backend, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}
