/**
 * The quality recipe end to end on ../shared/data/chest_xray_224/train: carve a patient-level held-out part
 * (15 %, stratified, fixed seed, never tuned on) and a validation part by patient from the rest, train the
 * default recipe, pick the threshold on validation with the evaluator's default rule, print held-out metrics
 * with patient-bootstrap 95 % CIs and the wall time; then run the PyTorch anchor on the same split.
 *   node --import tsx bench/train-recipe.ts [--no-torch | --torch-only] [--out DIR] [config overrides like epochs=3]
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildManifest, carveByPatient, type ImageRecord } from '@leakproof/ingest';
import { chooseThreshold, evaluate, formatMetricsTable, trainingCurvesSvg, DEFAULT_THRESHOLD_RULE } from '@leakproof/evaluator';
import { loadTrainConfig, predict, train } from '@leakproof/trainer';

const DATA = resolve(import.meta.dirname, '../../shared/data/chest_xray_224');
const ANCHOR = resolve(import.meta.dirname, '../../shared/bench/torch_quality_anchor.py');
const args = process.argv.slice(2);
const noTorch = args.includes('--no-torch');
const torchOnly = args.includes('--torch-only');
const outIdx = args.indexOf('--out');
const outDir = outIdx >= 0 ? resolve(args[outIdx + 1]!) : await mkdtemp(join(tmpdir(), 'leakproof-recipe-'));
const overrides = args.filter((a, i) => a.includes('=') && args[i - 1] !== '--out');

if (!existsSync(join(DATA, 'train'))) {
  console.error(`${DATA}/train is absent; this bench needs the Kermany chest X-ray train folder`);
  process.exit(2);
}

const t0 = performance.now();
const manifest = await buildManifest(DATA, {}, { cacheDir: join(outDir, 'manifest-cache') });
const trainOnly = manifest.images.filter((r) => r.split === 'train');
const withHeldOut = carveByPatient(trainOnly, { fraction: 0.15, seed: 20240601, stratify: true, newSplit: 'heldout', fromSplit: 'train' });
const { config, verbatim } = await loadTrainConfig(undefined, overrides);
const images = carveByPatient(withHeldOut, { fraction: config.valFraction, seed: config.seed, stratify: true, newSplit: 'val', fromSplit: 'train' });
const count = (split: string) => images.filter((r) => r.split === split);
const describe = (rs: ImageRecord[]) => `${rs.length} images, ${new Set(rs.map((r) => r.patient)).size} patients, ${rs.filter((r) => r.label === 'PNEUMONIA').length} PNEUMONIA`;
console.log(`train ${describe(count('train'))}; val ${describe(count('val'))}; held-out ${describe(count('heldout'))}`);
console.log(`config: ${JSON.stringify(config)}${verbatim ? `\noverrides: ${overrides.join(' ')}` : ''}`);

if (!torchOnly) await runLeakproof();

async function runLeakproof(): Promise<void> {
  const tTrain = performance.now();
  const result = await train({
    root: DATA,
    images,
    config,
    runDir: join(outDir, 'run'),
    stderr: process.stderr,
    callbacks: {
      onEpochEnd: ({ epoch, metrics }) =>
        console.log(
          `epoch ${epoch + 1}: loss ${metrics.loss.toFixed(4)} val_loss ${metrics.val_loss.toFixed(4)} val_auc ${metrics.val_auc.toFixed(4)} ` +
            `val_acc ${metrics.val_accuracy.toFixed(3)} ${metrics.images_per_second.toFixed(1)} img/s`,
        ),
    },
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;
  const valPreds = await predict({ root: DATA, images: count('val'), modelDir: result.modelDir, config });
  const heldPreds = await predict({ root: DATA, images: count('heldout'), modelDir: result.modelDir, config });
  const choice = chooseThreshold(valPreds, DEFAULT_THRESHOLD_RULE);
  const report = evaluate({ predictions: heldPreds, threshold: choice.value, thresholdRule: choice });
  const totalSeconds = (performance.now() - t0) / 1000;
  const points = result.history.flatMap((h, epoch) => Object.entries(h).filter(([k]) => k !== 'epoch' && k !== 'images_per_second').map(([key, value]) => ({ epoch: epoch + 1, key, value })));
  await writeFile(join(outDir, 'training-curves.svg'), await trainingCurvesSvg(points));
  await writeFile(join(outDir, 'heldout-report.json'), JSON.stringify(report, null, 2));

  console.log(`\nleakproof ${typeof config.model === 'string' ? config.model : 'pretrained'} ${config.imageSize}px on ${result.backend.name} (${result.backend.threads} thread(s)), ${result.epochsRun} epochs, best epoch ${result.bestEpoch + 1}`);
  console.log(`threshold ${choice.value.toFixed(3)} chosen on validation by ${choice.rule}${choice.target ? ` (target recall ${choice.target})` : ''}`);
  console.log(formatMetricsTable(report));
  const m = report.image.metrics;
  console.log(`held-out precision ${m.precision.value?.toFixed(3)} [${m.precision.lo?.toFixed(3)}, ${m.precision.hi?.toFixed(3)}], recall ${m.recall.value?.toFixed(3)} [${m.recall.lo?.toFixed(3)}, ${m.recall.hi?.toFixed(3)}]`);
  console.log(`wall time: training ${(trainSeconds / 60).toFixed(1)} min, end to end ${(totalSeconds / 60).toFixed(1)} min; outputs in ${outDir}`);
}

if (noTorch) {
  // asked not to
} else if (spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0) {
  console.log('\nPyTorch anchor skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch)');
} else {
  const links = await mkdtemp(join(tmpdir(), 'leakproof-anchor-'));
  for (const r of images) {
    const dir = join(links, r.split === 'heldout' ? 'heldout' : 'train', r.label);
    await mkdir(dir, { recursive: true });
    await symlink(join(DATA, r.path), join(dir, r.path.split('/').pop()!));
  }
  const tTorch = performance.now();
  const anchor = spawnSync('/usr/bin/python3', [ANCHOR, join(links, 'train'), join(links, 'heldout'), String(config.imageSize)], { encoding: 'utf8' });
  console.log(`\nPyTorch anchor (${((performance.now() - tTorch) / 60000).toFixed(1)} min): ${anchor.stdout.trim() || anchor.stderr.trim()}`);
  await rm(links, { recursive: true, force: true });
}
