// Per-kernel CPU time of training steps on wasm (which kernels dominate). CPU time rather
// than wall time so the ranking holds on a machine shared with other jobs.
//   node --import tsx bench/wasm-training-profile.ts [cnn4|resnet-s] [batch] [steps] [fused-adamw|tf-adam] [size]
// fused-adamw (default) updates each variable in one pass over the wasm heap, as @leakproof/trainer's AdamW does.
import * as tf from '@tensorflow/tfjs';
import { buildModel, fusedAdamWUpdate, useWasmBackend, type ModelName } from '@leakproof/wasm-training';

const name = (process.argv[2] ?? 'cnn4') as ModelName;
const batch = Number(process.argv[3] ?? 32);
const steps = Number(process.argv[4] ?? 2);
const optimizerName = process.argv[5] ?? 'fused-adamw';
const size = Number(process.argv[6] ?? 128);
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

const model = buildModel(name, { inputSize: size, channels: 1 });
const x = tf.randomNormal([batch, size, size, 1]);
const y = tf.cast(tf.greater(tf.randomUniform([batch, 1]), 0.5), 'float32');
const lossOf = () => tf.mean(tf.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
const moments = vars.map((v) => [tf.variable(tf.zerosLike(v), false), tf.variable(tf.zerosLike(v), false)] as const);
const adam = tf.train.adam(1e-3);
let t = 0;
const step = () => {
  if (optimizerName === 'tf-adam') return adam.minimize(lossOf, true)?.dispose();
  t++;
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossOf, vars);
    vars.forEach((v, i) => fusedAdamWUpdate(v, moments[i]![0], moments[i]![1], grads[v.name]!, { lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-6, debias1: 1 - 0.9 ** t, debias2: 1 - 0.99 ** t, decay: 1e-2 }));
    value.dataSync();
  });
};
step();
byKernel.clear();
const c0 = cpuMs();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const cpu = (cpuMs() - c0) / steps;
const wall = (performance.now() - t0) / steps;
console.log(`${name} ${size} px batch ${batch}, ${optimizerName}: ${cpu.toFixed(0)} ms CPU/step (${((batch * 1000) / cpu).toFixed(1)} img/s per core), wall ${wall.toFixed(0)} ms`);
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
let inKernels = 0;
for (const [, e] of rows) inKernels += e.ms / steps;
console.log(`in kernels ${inKernels.toFixed(0)} ms, outside (JS engine, tape, optimizer glue) ${(cpu - inKernels).toFixed(0)} ms`);
for (const [k, e] of rows.slice(0, 25)) console.log(`${k.padEnd(28)} ${(e.ms / steps).toFixed(1).padStart(8)} ms ${((100 * e.ms) / steps / cpu).toFixed(1).padStart(5)}%  ×${e.calls / steps}`);
