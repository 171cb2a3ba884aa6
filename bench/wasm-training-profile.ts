// Per-kernel time of one training step on wasm (which kernels dominate).
//   node --import tsx bench/wasm-training-profile.ts [cnn4|resnet-s] [batch]
import * as tf from '@tensorflow/tfjs';
import { buildModel, useWasmBackend, type ModelName } from '@leakproof/wasm-training';

const name = (process.argv[2] ?? 'cnn4') as ModelName;
const batch = Number(process.argv[3] ?? 32);
await useWasmBackend();
const model = buildModel(name, { inputSize: 128, channels: 1 });
const optimizer = tf.train.adam(1e-3);
const x = tf.randomNormal([batch, 128, 128, 1]);
const y = tf.cast(tf.greater(tf.randomUniform([batch, 1]), 0.5), 'float32');
const step = () => optimizer.minimize(() => tf.mean(tf.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, true)?.dispose();
step();
const t0 = performance.now();
step();
console.log(`${name}: step ${(performance.now() - t0).toFixed(0)} ms, ${((batch * 1000) / (performance.now() - t0)).toFixed(1)} img/s`);
const info = await tf.profile(step);
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += Number(k.kernelTimeMs) || 0;
  e.calls += 1;
  byKernel.set(k.name, e);
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
for (const [k, e] of rows.slice(0, 20)) console.log(`${k.padEnd(28)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ×${e.calls}`);
