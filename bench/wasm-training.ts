// Training throughput of the reference nets (128×128×1, batch 32, Adam) on wasm + leakproof
// kernels (1 thread and 2 worker threads), on the pure-JS cpu backend, and PyTorch CPU when
// available — all measured in this run.
//   node --import tsx bench/wasm-training.ts [--steps 5] [--cpu-steps 2] [--cpu-batch 32] [--nets cnn4,resnet-s] [--no-cpu] [--no-torch]
// The cpu backend needs minutes per batch-32 step on these nets; --cpu-batch 8 shortens the run
// (its img/s barely depends on batch size, the work is linear in it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createDataParallelTrainer, useWasmBackend, type ModelName } from '@leakproof/wasm-training';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const steps = Number(flag('steps', '5'));
const cpuSteps = Number(flag('cpu-steps', '2'));
const nets = flag('nets', 'cnn4,resnet-s').split(',') as ModelName[];
const BATCH = 32;
const cpuBatch = Number(flag('cpu-batch', String(BATCH)));
const SIZE = 128;

function batch(seed: number, n: number): { x: Float32Array; y: Float32Array } {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const x = new Float32Array(n * SIZE * SIZE);
  for (let i = 0; i < x.length; i++) x[i] = next() * 2 - 1;
  const y = Float32Array.from({ length: n }, (_, i) => i % 2);
  return { x, y };
}

async function imgPerSec(net: ModelName, backend: 'wasm' | 'cpu', workers: number, timedSteps: number, warmup: number, n = BATCH): Promise<number> {
  if (backend === 'wasm') await useWasmBackend();
  else await tf.setBackend('cpu');
  const trainer = await createDataParallelTrainer({ model: { kind: 'factory', name: net, options: { inputSize: SIZE, channels: 1 } }, workers });
  const { x, y } = batch(1, n);
  try {
    for (let i = 0; i < warmup; i++) await trainer.step(x, y, n);
    const t0 = performance.now();
    for (let i = 0; i < timedSteps; i++) await trainer.step(x, y, n);
    return (n * timedSteps * 1000) / (performance.now() - t0);
  } finally {
    await trainer.dispose();
  }
}

function torchImgPerSec(): Map<string, number> | string {
  const python = '/usr/bin/python3';
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const script = path.resolve(repoRoot, '../shared/bench/torch_cpu_bench.py');
  if (!existsSync(python)) return `skipped PyTorch: ${python} not found`;
  if (!existsSync(script)) return `skipped PyTorch: ${script} not found`;
  if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return `skipped PyTorch: '${python} -c "import torch"' fails (install Debian python3-torch)`;
  const out = execFileSync(python, [script], { encoding: 'utf8' });
  const found = new Map<string, number>();
  for (const m of out.matchAll(/^(\S+): .*?([\d.]+) img\/s/gm)) found.set(m[1] as string, Number(m[2]));
  return found;
}

const rows: { net: string; what: string; imgs: number }[] = [];
const record = (net: string, what: string, imgs: number) => {
  rows.push({ net, what, imgs });
  console.error(`  ${net} ${what}: ${imgs.toFixed(2)} img/s`);
};
for (const net of nets) {
  record(net, 'wasm, 1 thread', await imgPerSec(net, 'wasm', 0, steps, 1));
  record(net, 'wasm, 2 workers', await imgPerSec(net, 'wasm', 2, steps, 1));
  if (!args.includes('--no-cpu')) record(net, `cpu (tfjs JS), batch ${cpuBatch}`, await imgPerSec(net, 'cpu', 0, cpuSteps, 0, cpuBatch));
}
const torch = args.includes('--no-torch') ? 'skipped PyTorch: --no-torch' : torchImgPerSec();
if (typeof torch === 'string') console.log(torch);

console.log(`\n${'net'.padEnd(10)}${'backend'.padEnd(22)}${'img/s'.padStart(9)}${'× cpu'.padStart(9)}${'/ torch'.padStart(9)}`);
for (const r of rows) {
  const cpu = rows.find((c) => c.net === r.net && c.what.startsWith('cpu'))?.imgs;
  const t = typeof torch === 'string' ? undefined : torch.get(r.net);
  console.log(
    `${r.net.padEnd(10)}${r.what.padEnd(22)}${r.imgs.toFixed(2).padStart(9)}${(cpu ? (r.imgs / cpu).toFixed(1) : '-').padStart(9)}${(t ? (r.imgs / t).toFixed(3) : '-').padStart(9)}`,
  );
}
if (typeof torch !== 'string') for (const [net, v] of torch) console.log(`${net.padEnd(10)}${'pytorch cpu 2 threads'.padEnd(22)}${v.toFixed(2).padStart(9)}`);
