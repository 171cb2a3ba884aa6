import * as tf from '@tensorflow/tfjs';
import { prepareBackend } from '../libs/trainer/src/backend.js';
import { parseTrainConfig } from '../libs/trainer/src/config.js';
import { AdamW } from '../libs/trainer/src/model/adamw.js';
import { createModel } from '../libs/trainer/src/model/build-model.js';
import { ImagePool } from '../libs/trainer/src/data/image-pool.js';
import { drawAugmentParams } from '../libs/trainer/src/data/augment.js';
import { Rng } from '../libs/trainer/src/rng.js';
import { createDataParallelGradients } from '../libs/trainer/src/loop/data-parallel-step.js';
import { trainStep } from '../libs/trainer/src/loop/train-step.js';
import os from 'node:os';
const size = Number(process.argv[2] ?? 128), n = 32, steps = Number(process.argv[3] ?? 6);
const config = parseTrainConfig({ imageSize: size, model: 'resnet-s', workers: 2, dataParallel: true, backend: 'wasm' });
await prepareBackend('wasm');
const pool = new ImagePool(size, 64, 0);
const rng = Rng.fromSeed(1);
pool.bytes.forEach((_, i) => (pool.bytes[i] = Math.floor(rng.next() * 256)));
const norm = { mean: 0.5, std: 0.25 };
const single = await createModel(config); const opt1 = new AdamW();
const par = await createModel(config); const opt2 = new AdamW();
const dp = await createDataParallelGradients(config, pool, norm, par);
const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2 };
const mk = (s: number) => { const slots = Array.from({ length: n }, (_, i) => (i + s) % 64); const params = slots.map(() => drawAugmentParams(rng, config.augmentation, size)); const y = Float32Array.from({ length: n }, (_, i) => i % 2); return { step: s, n, slots, params, x: null, y, w: new Float32Array(n).fill(1) }; };
async function timeSingle() { const t0 = performance.now(); for (let s = 0; s < steps; s++) { const b = mk(s); const x = await pool.batch(b.slots, b.params, norm); trainStep(single, opt1, single.variables, { x, y: b.y, w: b.w, n, size }, hyper, [1, 'd', s]); } return (n * steps * 1000) / (performance.now() - t0); }
async function timeDp() { const t0 = performance.now(); for (let s = 0; s < steps; s++) await dp.step(par, opt2, par.variables, mk(s), hyper, [1, 'd', s]); return (n * steps * 1000) / (performance.now() - t0); }
await timeSingle(); await timeDp();
for (let r = 0; r < 2; r++) { const a = await timeSingle(); const b = await timeDp(); console.log(`size ${size}: single ${a.toFixed(1)} img/s, dp ${b.toFixed(1)} img/s, ratio ${(b / a).toFixed(2)} load ${os.loadavg()[0].toFixed(2)}`); }
await dp.dispose(); await pool.close(); tf.disposeVariables();
