import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { generateSyntheticDataset } from './generate.js';
import { leakKinds, type LeakKind } from './ground-truth.js';

function parseLeaks(value: string): LeakKind[] | 'all' {
  if (value === 'all') return 'all';
  if (value === 'none' || value === '') return [];
  const kinds = value.split(',').map((s) => s.trim());
  for (const k of kinds) {
    if (!(leakKinds as readonly string[]).includes(k)) throw new Error(`unknown leak kind '${k}'; use all, none or a comma list of: ${leakKinds.join(', ')}`);
  }
  return kinds as LeakKind[];
}

const program = new Command('leakproof-synth')
  .description('write a synthetic Kaggle-layout chest X-ray-like dataset with planted leaks and bad inputs, plus its ground truth')
  .argument('<dir>', 'output folder (created)')
  .option('--seed <n>', 'random seed', '1')
  .option('--patients <n>', 'patients', '24')
  .option('--images-per-patient <n>', 'images per patient', '3')
  .option('--size <px>', 'image side', '128')
  .option('--leaks <kinds>', `all | none | comma list of ${leakKinds.join(',')}`, 'none')
  .option('--bad-inputs', 'also plant every bad input', false)
  .option('--truth <file>', 'ground truth JSON (default: <dir>.truth.json next to the folder, never inside it)')
  .action(async (dir: string, opts: Record<string, string | boolean | undefined>) => {
    const truth = await generateSyntheticDataset(dir, {
      seed: Number(opts['seed']),
      patients: Number(opts['patients']),
      imagesPerPatient: Number(opts['imagesPerPatient']),
      size: Number(opts['size']),
      leaks: parseLeaks(String(opts['leaks'])),
      badInputs: Boolean(opts['badInputs']),
    });
    const root = resolve(dir);
    const truthPath = typeof opts['truth'] === 'string' ? resolve(opts['truth']) : join(dirname(root), `${basename(root)}.truth.json`);
    await writeFile(truthPath, JSON.stringify(truth, null, 2) + '\n');
    process.stderr.write(`${truth.images.length} images, ${truth.leaks.length} leaks, ${truth.badInputs.length} bad inputs → ${root}\nground truth: ${truthPath}\n`);
    for (const s of truth.skipped) process.stderr.write(`skipped ${s.expected}: ${s.reason}\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`leakproof-synth: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
