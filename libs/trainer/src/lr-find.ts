import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineChartSvg } from '@leakproof/evaluator';
import type { ImageRecord } from '@leakproof/ingest';
import { prepareBackend, type BackendInfo } from './backend.js';
import type { TrainConfig } from './config.js';
import { prepareData } from './data/dataset.js';
import { TrainBatches } from './loop/batches.js';
import { lrRangeTest, suggestLr, type LrFindPoint, type LrSuggestion } from './loop/lr-range-test.js';
import { createModel } from './model/build-model.js';

export interface LrFindOptions {
  root: string;
  images: readonly ImageRecord[];
  config: TrainConfig;
  /** where lr-find.json and lr-find.csv are written (omit to only return the data) */
  outDir?: string;
  startLr?: number;
  endLr?: number;
  steps?: number;
}

export interface LrFindResult extends LrSuggestion {
  points: LrFindPoint[];
  backend: BackendInfo;
  /** files written, for the CLI to plot/link */
  files: { json?: string; csv?: string; svg?: string };
}

/** The LR range test on a freshly initialised model and the training split only. */
export async function lrFind(options: LrFindOptions): Promise<LrFindResult> {
  const { config } = options;
  const backend = await prepareBackend(config.backend, config.workers);
  const data = await prepareData(options.root, options.images, config, false);
  const trainable = await createModel(config);
  try {
    const batches = new TrainBatches(data.pool, data.train.slots, data.train.labels, config, data.norm);
    const points = await lrRangeTest(trainable, trainable.variables, undefined, batches, config, {
      startLr: options.startLr ?? 1e-7,
      endLr: options.endLr ?? 10,
      steps: options.steps ?? 100,
    });
    const suggestion = suggestLr(points);
    const files: LrFindResult['files'] = {};
    if (options.outDir) {
      await mkdir(options.outDir, { recursive: true });
      files.json = join(options.outDir, 'lr-find.json');
      files.csv = join(options.outDir, 'lr-find.csv');
      await writeFile(files.json, JSON.stringify({ ...suggestion, points }, null, 2));
      await writeFile(files.csv, `lr,loss,smoothed\n${points.map((p) => `${p.lr},${p.loss},${p.smoothed}`).join('\n')}\n`);
      files.svg = join(options.outDir, 'lr-find.svg');
      const svg = await lineChartSvg({
        points: points.flatMap((p) => [
          { x: p.lr, y: p.loss, series: 'loss' },
          { x: p.lr, y: p.smoothed, series: 'smoothed' },
        ]),
        title: 'LR range test',
        xTitle: 'learning rate',
        yTitle: 'training loss',
        logX: true,
        marker: { x: suggestion.suggested, label: `suggested ${suggestion.suggested.toExponential(1)} (valley)` },
      });
      await writeFile(files.svg, svg);
    }
    return { ...suggestion, points, backend, files };
  } finally {
    trainable.model.dispose();
    await data.pool.close();
  }
}
