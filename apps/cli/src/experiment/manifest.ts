import { join } from 'node:path';
import { patientKeyFor } from '../commands/dataset-input.js';
import { buildManifest, loadDatasetConfig, parseDatasetConfig, type Manifest } from '@leakproof/ingest';
import type { CliContext } from '../context.js';
import type { ExperimentConfig } from './experiment-config.js';

/** The experiment's dataset as it is on disk now (hash cache under .leakproof/cache). */
export async function loadManifest(ctx: CliContext, config: ExperimentConfig): Promise<Manifest> {
  const { dataset } = config;
  const dsConfig = typeof dataset.config === 'string' ? await loadDatasetConfig(dataset.config) : dataset.config ? parseDatasetConfig(dataset.config) : {};
  return buildManifest(dataset.root, dsConfig, { cacheDir: join(ctx.cwd, '.leakproof', 'cache'), patientIdKey: patientKeyFor(ctx) });
}
