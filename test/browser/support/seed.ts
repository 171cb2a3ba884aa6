import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticDataset } from '@leakproof/synth';
import { cli } from '../../support/run-cli.js';

export const sampleRoot = fileURLToPath(new URL('../../../data/sample/chest_xray', import.meta.url));

interface AuditJson {
  fingerprint: string;
  policyHash: string;
  createdAt: string;
  timings: { images: number };
  tool: { name: string; version: string };
}

export interface Seeded {
  work: string;
  runIds: number[];
  evaluationRunId: number;
  leakyRoot: string;
  /** seconds per seeding step, printed by the suite so its cost stays visible */
  timings: Record<string, number>;
}

async function must(timings: Record<string, number>, step: string, cwd: string, args: string[], expected = 0): Promise<string> {
  const started = performance.now();
  const res = await cli(cwd, args);
  timings[step] = Math.round(performance.now() - started) / 1000;
  if (res.code !== expected) throw new Error(`leakproof ${args.join(' ')} exited ${res.code}:\n${res.stderr.slice(-2000)}`);
  return res.stdout;
}

/**
 * A temporary project seeded by the real CLI: an audit of the in-repo sample, two one-epoch runs of a tiny
 * model that differ in one param, an evaluation with its plots and per-image predictions, and a failing
 * audit of a synthetic leaky set.
 */
export async function seedProject(): Promise<Seeded> {
  const work = await mkdtemp(join(tmpdir(), 'leakproof-ui-'));
  const timings: Record<string, number> = {};
  const sampleAudit = JSON.parse(await must(timings, 'audit sample', work, ['audit', sampleRoot, '--format', 'json'])) as AuditJson;
  const config = {
    dataset: { root: sampleRoot },
    experiment: 'ui-e2e',
    bootstrap: { replicates: 100, seed: 1 },
    train: { model: 'cnn4', imageSize: 16, width: 0.5, epochs: 1, batchSize: 32, workers: 0, earlyStopping: null },
  };
  await writeFile(join(work, 'experiment.json'), JSON.stringify(config, null, 2));
  const runIds: number[] = [];
  // the evaluated run trains two epochs so its curves have two points; the other one epoch, another LR
  for (const [epochs, lr] of [['2', '0.003'], ['1', '0.001']]) {
    const out = await must(timings, `train ${epochs} epoch(s)`, work, ['train', '--config', join(work, 'experiment.json'), '--set', `train.epochs=${epochs}`, `train.maxLr=${lr}`, '--format', 'json']);
    runIds.push((JSON.parse(out) as { runId: number }).runId);
  }
  const evaluationRunId = runIds[0] as number;
  await must(timings, 'eval', work, ['eval', String(evaluationRunId), '--split', 'test', '--format', 'json']);
  const leakyRoot = join(work, 'leaky');
  await generateSyntheticDataset(leakyRoot, { seed: 7, patients: 12, imagesPerPatient: 2, size: 64, leaks: ['byte-copy', 'resize', 'patient-overlap'] });
  await must(timings, 'audit leaky', work, ['audit', leakyRoot, '--format', 'json'], 1);
  // the gate guards the sample (locked at its passing audit) and the leaky set (never locked)
  await writeFile(join(work, 'leakproof.config.json'), JSON.stringify({ datasets: [{ name: 'chest_xray', path: sampleRoot }, { name: 'leaky', path: leakyRoot }] }, null, 2));
  const { fingerprint, policyHash, createdAt: auditedAt, tool } = sampleAudit;
  const lock = { schemaVersion: 1, datasets: { chest_xray: { fingerprint, policyHash, images: sampleAudit.timings.images, auditedAt, tool: `${tool.name} ${tool.version}` } } };
  await writeFile(join(work, 'leakproof.lock.json'), JSON.stringify(lock, null, 2));
  return { work, runIds, evaluationRunId, leakyRoot, timings };
}
