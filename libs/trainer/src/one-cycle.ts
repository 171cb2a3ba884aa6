export interface OneCycleOptions {
  totalSteps: number;
  maxLr: number;
  pctStart: number;
  divFactor: number;
  finalDivFactor: number;
  /** [β1 at the start and end, β1 at the LR peak] */
  beta1: readonly [number, number];
}

export interface ScheduleValue {
  lr: number;
  beta1: number;
}

function cosine(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/**
 * fastai's one-cycle policy: cosine warm-up from maxLr/divFactor to maxLr over pctStart of the steps, then
 * cosine annealing to maxLr/(divFactor·finalDivFactor); β1 moves the opposite way (high when the LR is low).
 */
export function oneCycleAt(step: number, options: OneCycleOptions): ScheduleValue {
  const { totalSteps, maxLr, pctStart, divFactor, finalDivFactor, beta1 } = options;
  const startLr = maxLr / divFactor;
  const endLr = startLr / finalDivFactor;
  const warmSteps = Math.max(1, Math.round(totalSteps * pctStart));
  const clamped = Math.min(Math.max(step, 0), Math.max(totalSteps - 1, 0));
  if (clamped < warmSteps) {
    const pct = clamped / warmSteps;
    return { lr: cosine(startLr, maxLr, pct), beta1: cosine(beta1[0], beta1[1], pct) };
  }
  const annealSteps = Math.max(1, totalSteps - 1 - warmSteps);
  const pct = Math.min(1, (clamped - warmSteps) / annealSteps);
  return { lr: cosine(maxLr, endLr, pct), beta1: cosine(beta1[1], beta1[0], pct) };
}

export function oneCycleSchedule(options: OneCycleOptions): ScheduleValue[] {
  return Array.from({ length: options.totalSteps }, (_, step) => oneCycleAt(step, options));
}
