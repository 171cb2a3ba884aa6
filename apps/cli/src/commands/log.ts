import { TrackingClient, trackingTargetFromEnv } from '@leakproof/experiment/light';
import { parseDecimal } from '@leakproof/core';
import { resolve } from 'node:path';
import type { CommandHandler } from '../command-table.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { parseOptions, textOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof log metric`; the step is checked below, where its message names the value. */
export const logMetricOptions = z.object({ step: textOption('0') });
/** The options of `leakproof log artifact`. */
export const logArtifactOptions = z.object({ path: textOption('') });

/**
 * `leakproof log metric|param|tag|artifact …`: the dependency-free way for a shell script started by
 * `leakproof run` to record into its bound run (reads LEAKPROOF_TRACKING_URI and LEAKPROOF_RUN_ID).
 */
const client = (env: NodeJS.ProcessEnv) => new TrackingClient(trackingTargetFromEnv(env));

function keyValue(args: string[], what: string): [string, string] {
  const [key, value] = args;
  if (!key || value === undefined) throw new UserError(`log ${what} needs a key and a value`, `e.g. leakproof log ${what} ${what === 'metric' ? 'loss 0.42 --step 3' : 'optimizer adamw'}`);
  return [key, value];
}

export const logMetric: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(logMetricOptions, rawOpts);
  const [key, text] = keyValue(args, 'metric');
  // MLflow stores NaN and ±Infinity faithfully, so they are accepted here too; anything else must be a number
  const value = /^[+-]?(inf|infinity)$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(text) ? Number.NaN : parseDecimal(text);
  if (value === undefined) throw new UserError(`metric value '${text}' is not a number`, 'e.g. leakproof log metric loss 0.42 --step 3');
  const stepText = opts.step;
  const step = parseDecimal(stepText) ?? Number.NaN;
  if (!Number.isInteger(step) || step < 0) throw new UserError(`--step '${stepText}' is not a whole number ≥ 0`, 'e.g. --step 3 (the epoch)');
  await client(ctx.env).logMetric(key, value, step);
  return result({ key, value: text, step });
};

export const logParam: CommandHandler = async (ctx, args) => {
  const [key, value] = keyValue(args, 'param');
  await client(ctx.env).logParam(key, value);
  return result({ key, value });
};

export const logTag: CommandHandler = async (ctx, args) => {
  const [key, value] = keyValue(args, 'tag');
  await client(ctx.env).setTag(key, value);
  return result({ key, value });
};

export const logArtifact: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(logArtifactOptions, rawOpts);
  const file = args[0];
  if (!file) throw new UserError('log artifact needs a file', 'e.g. leakproof log artifact model.pt --path checkpoints');
  const stored = await client(ctx.env).logArtifact(resolve(ctx.cwd, file), opts.path);
  return result({ artifact: stored });
};
