import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.js';
import { AdamW } from '../model/adamw.js';
import type { TrainableModel } from '../model/build-model.js';
import type { TrainBatches } from './batches.js';
import { stepInput, trainStep } from './train-step.js';

export interface LrFindPoint {
  lr: number;
  loss: number;
  /** exponentially smoothed (β = 0.98, debiased) loss, what the suggestion is read from */
  smoothed: number;
}

export interface LrSuggestion {
  /** fastai's 'valley': 2/3 of the way down the longest steadily falling stretch of the curve */
  valley: number;
  /** where the smoothed loss falls fastest per unit of log LR */
  steepest: number;
  /** the one used: valley (more robust to noise than steepest, which picks spikes on short runs) */
  suggested: number;
}

export interface LrRangeOptions {
  startLr: number;
  endLr: number;
  steps: number;
}

/**
 * LR range test on the given model: exponentially increasing LR, one batch per step, stopping once the smoothed
 * loss exceeds 4× its minimum. The model's weights are restored afterwards.
 */
export async function lrRangeTest(
  trainable: TrainableModel,
  active: readonly tf.Variable[],
  lrScale: ReadonlyMap<string, number> | undefined,
  batches: TrainBatches,
  config: TrainConfig,
  options: LrRangeOptions,
): Promise<LrFindPoint[]> {
  const saved = trainable.model.getWeights().map((w) => w.clone());
  const optimizer = new AdamW();
  const points: LrFindPoint[] = [];
  let avg = 0;
  let best = Infinity;
  let step = 0;
  try {
    for (let epoch = 0; step < options.steps; epoch++) {
      for await (const batch of batches.epoch(1_000_000 + epoch)) {
        if (step >= options.steps) break;
        const lr = options.startLr * (options.endLr / options.startLr) ** (step / Math.max(1, options.steps - 1));
        const loss = trainStep(
          trainable,
          optimizer,
          active,
          stepInput(batch, config.imageSize),
          { lr, beta1: config.oneCycle.beta1[0], beta2: config.oneCycle.beta2, eps: config.oneCycle.eps, weightDecay: config.weightDecay, lrScale },
          [config.seed, 'lr-find', step],
        );
        step++;
        avg = 0.98 * avg + 0.02 * loss;
        const smoothed = avg / (1 - 0.98 ** step);
        points.push({ lr, loss, smoothed });
        if (!Number.isFinite(smoothed) || (step > 10 && smoothed > 4 * best)) {
          step = options.steps;
          break;
        }
        best = Math.min(best, smoothed);
      }
    }
  } finally {
    trainable.model.setWeights(saved);
    tf.dispose(saved);
    optimizer.dispose();
  }
  return points;
}

export function suggestLr(points: readonly LrFindPoint[]): LrSuggestion {
  const finite = points.filter((p) => Number.isFinite(p.smoothed));
  if (finite.length < 3) {
    const lr = finite[0]?.lr ?? 1e-3;
    return { valley: lr, steepest: lr, suggested: lr };
  }
  const losses = finite.map((p) => p.smoothed);
  // longest decreasing subsequence ending at each point (fastai's valley)
  const run = losses.map(() => 1);
  let maxEnd = 0;
  let maxStart = 0;
  for (let i = 1; i < losses.length; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i]! < losses[j]! && run[i]! < run[j]! + 1) run[i] = run[j]! + 1;
    }
    if (run[maxEnd]! < run[i]!) {
      maxEnd = i;
      maxStart = maxEnd - run[maxEnd]!;
    }
  }
  const section = (maxEnd - maxStart) / 3;
  const valleyIdx = Math.min(finite.length - 1, Math.max(0, maxStart + Math.floor(section) + Math.floor(section / 2)));
  let steepestIdx = 1;
  let steepestSlope = Infinity;
  for (let i = 1; i < finite.length; i++) {
    const slope = (losses[i]! - losses[i - 1]!) / (Math.log(finite[i]!.lr) - Math.log(finite[i - 1]!.lr));
    if (slope < steepestSlope) {
      steepestSlope = slope;
      steepestIdx = i;
    }
  }
  const valley = finite[valleyIdx]!.lr;
  return { valley, steepest: finite[steepestIdx]!.lr, suggested: valley };
}
