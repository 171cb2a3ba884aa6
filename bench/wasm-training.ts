// Training throughput on wasm + leakproof kernels against PyTorch CPU and against the ceiling of the kernels,
// all measured in this one run:
//   1. the real trainer (@leakproof/trainer `train()`, resnet-s, batch 32, real chest X-rays incl. augmentation):
//      one training thread vs data-parallel (this thread + 1 shard worker), per image size;
//   2. the bare step of the reference nets (128 px, batch 32, Adam) on 1 thread (createDataParallelTrainer, workers 0);
//   3. PyTorch CPU, 2 threads (/work/shared/bench/torch_cpu_bench.py, same nets, 128 px, batch 32);
//   4. the ceiling: the best GFLOP/s of wasm's XNNPACK matmul/conv on this CPU × the net's FLOPs per image.
//   flock /tmp/leakproof-bench.lock node --import tsx bench/wasm-training.ts [--sizes 128,160,192] [--images 400]
//     [--epochs 2] [--steps 5] [--nets cnn4,resnet-s] [--no-torch] [--no-trainer] [--augmentation default|light]
//     [--repeats 1]
// --repeats N measures each size's two modes N times, interleaved (1 thread then data-parallel, then the other
// order, …) and reports the median of the pairs' ratios: on a shared host the speed drifts by a third within
// minutes, and a ratio of back-to-back pairs in alternating order cancels most of that drift.
// --augmentation light turns the extras (gamma, blur, noise, erase) off: the affine warp and brightness/contrast only.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageRecord } from '@leakproof/ingest';
import { parseTrainConfig, train } from '@leakproof/trainer';
import { buildModel, createDataParallelTrainer, useWasmBackend, type ModelName } from '@leakproof/wasm-training';
import { augmentInto, drawAugmentParams } from '../libs/trainer/src/data/augment.js';
import { Rng } from '../libs/trainer/src/rng.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const steps = Number(flag('steps', '5'));
const nets = flag('nets', 'cnn4,resnet-s').split(',') as ModelName[];
const sizes = flag('sizes', '128').split(',').map(Number);
const imageCount = Number(flag('images', '400'));
const epochs = Number(flag('epochs', '2'));
const repeats = Number(flag('repeats', '1'));
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a whole number ≥ 1, got ${flag('repeats', '1')}`);
const augmentationMode = flag('augmentation', 'default');
if (augmentationMode !== 'default' && augmentationMode !== 'light') throw new Error(`--augmentation must be default or light, got ${augmentationMode}`);
const augmentation = augmentationMode === 'light' ? { gamma: 0, blur: 0, noise: 0, erase: 0 } : {};
const BATCH = 32;
const DATA = resolve(import.meta.dirname, '../../shared/data/chest_xray_224');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function randomBatch(n: number, size: number): { x: Float32Array; y: Float32Array } {
  let s = 1;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
  const x = Float32Array.from({ length: n * size * size }, () => next() * 2 - 1);
  return { x, y: Float32Array.from({ length: n }, (_, i) => i % 2) };
}

/** Bare training steps of a reference net on one thread (the active wasm backend), img/s. */
async function stepImgPerSec(net: ModelName): Promise<number> {
  await useWasmBackend();
  const trainer = await createDataParallelTrainer({ model: { kind: 'factory', name: net, options: { inputSize: 128, channels: 1 } }, workers: 0 });
  const { x, y } = randomBatch(BATCH, 128);
  try {
    await trainer.step(x, y, BATCH);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await trainer.step(x, y, BATCH);
    return (BATCH * steps * 1000) / (performance.now() - t0);
  } finally {
    await trainer.dispose();
  }
}

/** The first count/2 files of each class (sorted); every fifth goes to validation. A throughput sample, not a split. */
async function sampleImages(count: number): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  for (const label of ['NORMAL', 'PNEUMONIA']) {
    const files = (await readdir(join(DATA, 'train', label))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, Math.ceil(count / 2));
    files.forEach((file, i) => records.push({ path: `train/${label}/${file}`, split: i % 5 === 4 ? 'val' : 'train', label, patient: `${label}-${file}`, size: 0, sha256: '0'.repeat(64), mtimeMs: 0 }));
  }
  return records;
}

/**
 * The trainer's own images_per_second of the last epoch (training steps only), and the process CPU time (all
 * threads) per image over that epoch's steps after its first — how much work a mode spends, whatever the load.
 */
async function trainerImgPerSec(images: ImageRecord[], imageSize: number, dataParallel: boolean): Promise<{ imgs: number; cpuMsPerImage: number }> {
  const runDir = await mkdtemp(join(os.tmpdir(), 'leakproof-wasm-bench-'));
  try {
    const config = parseTrainConfig({ model: 'resnet-s', imageSize, epochs, workers: 2, dataParallel, backend: 'wasm', earlyStopping: null, augmentation });
    let cpuStart: NodeJS.CpuUsage | undefined;
    let cpuEnd: NodeJS.CpuUsage | undefined;
    let seen = 0;
    const onStep = (e: { epoch: number; step: number }) => {
      if (e.epoch !== epochs - 1) return;
      if (e.step === 0) cpuStart = process.cpuUsage();
      else {
        cpuEnd = process.cpuUsage();
        seen += config.batchSize;
      }
    };
    const result = await train({ root: DATA, images, config, runDir, handleSigint: false, callbacks: { onStep } });
    const cpu = cpuStart && cpuEnd ? (cpuEnd.user + cpuEnd.system - cpuStart.user - cpuStart.system) / 1000 : Number.NaN;
    return { imgs: result.history.at(-1)?.images_per_second ?? Number.NaN, cpuMsPerImage: cpu / Math.max(1, seen) };
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

/**
 * CPU ms per image of the trainer's augmentation at this size and config, on this thread. One training thread
 * gets it from the pool on the other core, while data-parallel threads pay it inside their step.
 */
function augmentMsPerImage(imageSize: number): number {
  const { augmentation: config } = parseTrainConfig({ imageSize, augmentation });
  const pixels = imageSize * imageSize;
  const n = 64;
  const cache = Uint8Array.from({ length: n * pixels }, (_, i) => (i * 2654435761) >>> 24);
  const rng = Rng.fromSeed(1, 'bench-augment');
  const params = Array.from({ length: n }, () => drawAugmentParams(rng, config, imageSize));
  const out = new Float32Array(n * pixels);
  const run = () => params.forEach((p, i) => augmentInto(cache, i * pixels, imageSize, p, { mean: 0.5, std: 0.25 }, out, i * pixels));
  run();
  const start = process.cpuUsage();
  run();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (2 * n);
}

function torchImgPerSec(): Map<string, number> | string {
  const python = '/usr/bin/python3';
  const script = resolve(import.meta.dirname, '../../shared/bench/torch_cpu_bench.py');
  if (!existsSync(python)) return `skipped PyTorch: ${python} not found`;
  if (!existsSync(script)) return `skipped PyTorch: ${script} not found`;
  if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return `skipped PyTorch: '${python} -c "import torch"' fails (install Debian python3-torch)`;
  const out = execFileSync(python, [script], { encoding: 'utf8' });
  const found = new Map<string, number>();
  for (const m of out.matchAll(/^(\S+): .*?([\d.]+) img\/s/gm)) found.set(m[1] as string, Number(m[2]));
  return found;
}

/** Multiply-accumulates of the net's forward pass per image (convolutions and dense layers). */
function forwardMacs(net: ModelName, size: number): number {
  const model = buildModel(net, { inputSize: size, channels: 1 });
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.trainableWeights.find((w) => /kernel/.test(w.name));
    if (!kernel) continue;
    const out = layer.outputShape as number[];
    const pixels = out.length === 4 ? (out[1] as number) * (out[2] as number) : 1;
    macs += pixels * kernel.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
  }
  model.dispose();
  return macs;
}

/** Best GFLOP/s (2 flops per multiply-add) of wasm's XNNPACK matmul and conv on the shapes a resnet-s step runs. */
async function peakGflops(): Promise<{ gflops: number; what: string }> {
  await useWasmBackend();
  const cases: { what: string; flops: number; run: () => tf.Tensor }[] = [];
  for (const [m, k, n] of [[16384, 144, 32], [4096, 576, 64], [32768, 144, 16], [8192, 288, 64]] as const) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    cases.push({ what: `matmul ${m}×${k}·${k}×${n}`, flops: 2 * m * k * n, run: () => tf.matMul(a, b) });
  }
  for (const [hw, cin, cout] of [[32, 16, 16], [16, 32, 32], [8, 64, 64]] as const) {
    const x = tf.randomNormal([32, hw, hw, cin]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, cin, cout]) as tf.Tensor4D;
    cases.push({ what: `conv3×3 ${hw}²×${cin}→${cout} batch 32`, flops: 2 * 32 * hw * hw * 9 * cin * cout, run: () => tf.conv2d(x, w, 1, 'same') });
  }
  let best = { gflops: 0, what: '' };
  for (const c of cases) {
    c.run().dispose();
    const reps = 8;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) c.run().dataSync();
    const gflops = (c.flops * reps) / ((performance.now() - t0) * 1e6);
    if (gflops > best.gflops) best = { gflops, what: c.what };
  }
  return best;
}

console.log(`load average at start: ${load()}; cores: ${os.availableParallelism()}; ${existsSync('/proc/cpuinfo') ? `cpu flags: ${['avx2', 'avx512f', 'fma'].filter((f) => new RegExp(`\\b${f}\\b`).test(spawnSync('grep', ['-m1', 'flags', '/proc/cpuinfo'], { encoding: 'utf8' }).stdout)).join(', ')} (wasm SIMD: 128-bit, no FMA)` : ''}`);

type Measure = { imgs: number; cpuMsPerImage: number };
type TrainerRow = { size: number; off: number; on: number; ratio: number; ratios: number[]; cpuOff: number; cpuOn: number; augment: number; load: string };
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** `repeats` back-to-back pairs of the two modes, alternating which goes first; medians of each figure and of the pairs' ratios. */
async function trainerPairs(images: ImageRecord[], size: number): Promise<TrainerRow> {
  const pairs: { off: Measure; on: Measure }[] = [];
  for (let r = 0; r < repeats; r++) {
    const first = await trainerImgPerSec(images, size, r % 2 === 1);
    const second = await trainerImgPerSec(images, size, r % 2 === 0);
    const pair = r % 2 === 0 ? { off: first, on: second } : { off: second, on: first };
    pairs.push(pair);
    console.error(`  trainer ${size} px, pair ${r + 1}/${repeats}: 1 thread ${pair.off.imgs.toFixed(1)}, data-parallel ${pair.on.imgs.toFixed(1)} img/s = ${(pair.on.imgs / pair.off.imgs).toFixed(2)}× (load ${load()})`);
  }
  const ratios = pairs.map((p) => p.on.imgs / p.off.imgs);
  return {
    size,
    off: median(pairs.map((p) => p.off.imgs)),
    on: median(pairs.map((p) => p.on.imgs)),
    ratio: median(ratios),
    ratios,
    cpuOff: median(pairs.map((p) => p.off.cpuMsPerImage)),
    cpuOn: median(pairs.map((p) => p.on.cpuMsPerImage)),
    augment: augmentMsPerImage(size),
    load: load(),
  };
}

const trainerRows: TrainerRow[] = [];
if (!args.includes('--no-trainer')) {
  if (!existsSync(join(DATA, 'train'))) console.log(`skipped trainer: ${DATA}/train is absent`);
  else {
    const images = await sampleImages(imageCount);
    for (const size of sizes) trainerRows.push(await trainerPairs(images, size));
  }
}
const stepRows: { net: ModelName; imgs: number; load: string }[] = [];
for (const net of nets) {
  stepRows.push({ net, imgs: await stepImgPerSec(net), load: load() });
  console.error(`  ${net} bare step, 1 thread: ${stepRows.at(-1)!.imgs.toFixed(1)} img/s`);
}
const torch = args.includes('--no-torch') ? 'skipped PyTorch: --no-torch' : torchImgPerSec();
const torchLoad = load();
const peak = await peakGflops();

const trainCount = Math.round(imageCount * 0.8);
console.log(`\nreal trainer: resnet-s, batch 32, ${trainCount} real training images, ${epochs} epochs (img/s of the last), augmentation ${augmentationMode}${repeats > 1 ? `; medians of ${repeats} interleaved pairs, ratio = median of the pairs' ratios` : ''}`);
console.log(`${'size'.padEnd(6)}${'1 thread'.padStart(10)}${'data-par.'.padStart(11)}${'ratio'.padStart(8)}${'/ torch 128'.padStart(13)}${'CPU ms/img 1 thr'.padStart(18)}${'data-par.'.padStart(11)}${'augment'.padStart(9)}${'bound'.padStart(7)}   load avg`);
const torchOf = (net: string) => (typeof torch === 'string' ? undefined : torch.get(net));
for (const r of trainerRows) {
  const t = r.size === 128 ? torchOf('resnet-s') : undefined;
  // one thread trains at 1/g while the pool augments on the other core; data-parallel at best 2/(g + a)
  const gradient = r.cpuOff - r.augment;
  const bound = (2 * gradient) / (gradient + r.augment);
  console.log(`${String(r.size).padEnd(6)}${r.off.toFixed(1).padStart(10)}${r.on.toFixed(1).padStart(11)}${r.ratio.toFixed(2).padStart(7)}×${(t ? (r.on / t).toFixed(3) : '-').padStart(13)}${r.cpuOff.toFixed(1).padStart(18)}${r.cpuOn.toFixed(1).padStart(11)}${r.augment.toFixed(2).padStart(9)}${bound.toFixed(2).padStart(6)}×   ${r.load}`);
}
for (const r of trainerRows.filter((row) => row.ratios.length > 1)) console.log(`${r.size} px pairs' ratios: ${r.ratios.map((x) => `${x.toFixed(2)}×`).join(', ')}`);
console.log('(CPU ms/img: process CPU time of all threads per training image. augment: CPU ms/img of the augmentation alone, a;');
console.log(' one thread trains at 1/g (g = its CPU ms/img − a) while the pool augments on the other core, data-parallel threads');
console.log(' pay a inside their step, so its ratio is bounded by 2g/(g + a) on idle cores: ≥ 1.7× needs a ≤ 0.18 g)');
console.log(`\nbare step (128 px, batch 32), wasm 1 thread vs PyTorch CPU 2 threads and the ceiling of 2 threads at ${peak.gflops.toFixed(1)} GFLOP/s per thread (best: ${peak.what})`);
console.log(`${'net'.padEnd(10)}${'wasm 1 thr'.padStart(11)}${'pytorch'.padStart(9)}${'ratio'.padStart(8)}${'MFLOP/img'.padStart(11)}${'ceiling 1 thr'.padStart(15)}${'ceiling 2 thr'.padStart(15)}   load avg`);
for (const r of stepRows) {
  const t = torchOf(r.net);
  // a training step costs ~3× the forward FLOPs: forward, input gradient, weight gradient
  const flops = 3 * 2 * forwardMacs(r.net, 128);
  const ceiling = (peak.gflops * 1e9) / flops;
  console.log(`${r.net.padEnd(10)}${r.imgs.toFixed(1).padStart(11)}${(t ? t.toFixed(1) : '-').padStart(9)}${(t ? (r.imgs / t).toFixed(3) : '-').padStart(8)}${(flops / 1e6).toFixed(1).padStart(11)}${ceiling.toFixed(0).padStart(15)}${(2 * ceiling).toFixed(0).padStart(15)}   ${r.load}`);
}
if (typeof torch === 'string') console.log(torch);
else console.log(`PyTorch CPU, 2 threads (torch ${spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim()}), load ${torchLoad}`);
const dp128 = trainerRows.find((r) => r.size === 128);
const torchResnet = torchOf('resnet-s');
if (dp128 && torchResnet) {
  const macs = forwardMacs('resnet-s', 128);
  console.log(`resnet-s 128 px, real trainer data-parallel: ${(dp128.on / torchResnet).toFixed(3)}× PyTorch; ceiling of 2 wasm threads ${((2 * peak.gflops * 1e9) / (6 * macs)).toFixed(0)} img/s = ${((2 * peak.gflops * 1e9) / (6 * macs) / torchResnet).toFixed(2)}× PyTorch`);
}
