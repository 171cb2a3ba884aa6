import { builtInTrainConfig, loadExperimentConfig, loadManifest, planSplits } from '@leakproof/experiment';
import { experimentContext } from '../context.js';
import { join } from 'node:path';
import { lineChartSvg, writePlots } from '@leakproof/evaluator';
import { lrFind } from '@leakproof/trainer';
import type { CommandHandler } from '../command-table.js';
import { result } from '../output.js';
import { optionalText, parseOptions, stringList } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof lr-find`, as commander passes them. */
export const lrFindOptions = z.object({
  config: optionalText(),
  set: stringList(),
});

/** The range test needs no audit: it records nothing and its numbers are never reported as results. */
export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const opts = parseOptions(lrFindOptions, rawOpts);
  const loaded = await loadExperimentConfig(ctx.cwd, opts.config, opts.set);
  const config = builtInTrainConfig(loaded);
  const manifest = await loadManifest(experimentContext(ctx), loaded.config);
  const plan = planSplits(manifest.images, loaded.config);
  const outDir = join(ctx.cwd, '.leakproof', 'lr-find');
  const found = await lrFind({ root: manifest.root, images: plan.images.filter((i) => i.split === 'train'), config, outDir });
  const svg = await lineChartSvg({
    points: found.points.map((p) => ({ x: p.lr, y: p.smoothed })),
    title: 'learning-rate finder',
    xTitle: 'learning rate',
    yTitle: 'loss (smoothed)',
    logX: true,
    marker: { x: found.suggested, label: `suggested ${found.suggested.toExponential(1)}` },
  });
  const plots = await writePlots(outDir, { 'lr-find': svg });
  const data = { suggestedLr: found.suggested, plot: plots['lr-find'], files: found.files, points: found.points.length };
  return result(data, { table: (d) => `suggested max learning rate: ${d.suggestedLr.toExponential(2)}\nplot: ${d.plot}` });
};
