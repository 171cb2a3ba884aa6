// Per-kernel CPU time of training steps on wasm (which kernels dominate). CPU time rather
// than wall time so the ranking holds on a machine shared with other jobs.
//   node --import tsx bench/wasm-training-profile.ts [cnn4|resnet-s] [batch] [steps]
import * as tf from '@tensorflow/tfjs';
import { buildModel, useWasmBackend, type ModelName } from '@leakproof/wasm-training';

const name = (process.argv[2] ?? 'cnn4') as ModelName;
const batch = Number(process.argv[3] ?? 32);
const steps = Number(process.argv[4] ?? 2);
await useWasmBackend();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const byKernel = new Map<string, { ms: number; calls: number }>();
let depth = 0;
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = cpuMs();
      try {
        return inner(args);
      } finally {
        depth--;
        const e = byKernel.get(config.kernelName) ?? { ms: 0, calls: 0 };
        e.ms += cpuMs() - t0;
        e.calls++;
        byKernel.set(config.kernelName, e);
      }
    },
  });
}

const model = buildModel(name, { inputSize: 128, channels: 1 });
const optimizer = tf.train.adam(1e-3);
const x = tf.randomNormal([batch, 128, 128, 1]);
const y = tf.cast(tf.greater(tf.randomUniform([batch, 1]), 0.5), 'float32');
const step = () => optimizer.minimize(() => tf.mean(tf.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, true)?.dispose();
step();
byKernel.clear();
const c0 = cpuMs();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const cpu = (cpuMs() - c0) / steps;
const wall = (performance.now() - t0) / steps;
console.log(`${name}: ${cpu.toFixed(0)} ms CPU/step (${((batch * 1000) / cpu).toFixed(1)} img/s per core), wall ${wall.toFixed(0)} ms`);
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
let inKernels = 0;
for (const [, e] of rows) inKernels += e.ms / steps;
console.log(`in kernels ${inKernels.toFixed(0)} ms, outside (JS engine, tape, optimizer glue) ${(cpu - inKernels).toFixed(0)} ms`);
for (const [k, e] of rows.slice(0, 18)) console.log(`${k.padEnd(28)} ${(e.ms / steps).toFixed(1).padStart(8)} ms ${((100 * e.ms) / steps / cpu).toFixed(1).padStart(5)}%  ×${e.calls / steps}`);
