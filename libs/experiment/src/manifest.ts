import { join } from 'node:path';
import { buildManifest, loadDatasetConfig, parseDatasetConfig, type Manifest } from '@leakproof/ingest';
import type { ExperimentContext } from './context.js';
import type { ExperimentConfig } from './experiment-config.js';
import { patientKeyFor } from './patient-key.js';

/** The experiment's dataset as it is on disk now (hash cache under .leakproof/cache). */
export async function loadManifest(ctx: ExperimentContext, config: ExperimentConfig): Promise<Manifest> {
  const { dataset } = config;
  const dsConfig = typeof dataset.config === 'string' ? await loadDatasetConfig(dataset.config) : dataset.config ? parseDatasetConfig(dataset.config) : {};
  return buildManifest(dataset.root, dsConfig, { cacheDir: join(ctx.cwd, '.leakproof', 'cache'), patientIdKey: patientKeyFor(ctx) });
}
