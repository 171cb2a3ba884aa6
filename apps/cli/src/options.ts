import { z } from 'zod';
import { UserError } from './errors.js';

/**
 * Typed command options: each command exports a zod schema of commander's option object and reads a typed
 * object from `parseOptions` instead of casting. A bad value becomes a user error (exit 2) naming the flag as
 * typed (`--shard-size`, not `shardSize`) and how to fix it.
 */

/** Where a field helper puts its fix; `{flag}` becomes the flag's `--kebab-case` name. */
interface FlagIssueParams {
  hint?: string;
}

/** commander's camelCase key → the flag the user typed, e.g. shardSize → --shard-size. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Validates commander's options against `schema`; the first problem becomes a UserError naming its flag. */
export function parseOptions<S extends z.ZodType>(schema: S, opts: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(opts);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const key = String(issue.path[0] ?? 'option');
  // zod leaves the input out of its issues, so the value is taken from commander's object
  throw userErrorFor(issue, flagName(key), opts[key]);
}

function userErrorFor(issue: z.core.$ZodIssue, flag: string, given: unknown): UserError {
  if (issue.code === 'custom') {
    const hint = (issue.params as FlagIssueParams | undefined)?.hint;
    return new UserError(`${flag} ${issue.message}`, hint?.replaceAll('{flag}', flag));
  }
  if (issue.code === 'invalid_type' && given === undefined) {
    return new UserError(`missing ${flag}`, `give ${flag} a value; run with --help for usage`);
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map(String).join(' | ');
    return new UserError(`${flag} must be one of ${allowed}, got '${String(given)}'`, `e.g. ${flag} ${String(issue.values[0])}`);
  }
  return new UserError(`${flag}: ${issue.message}`, 'run with --help for usage');
}

function flagIssue(ctx: z.core.$RefinementCtx, input: unknown, message: string, hint: string): never {
  ctx.issues.push({ code: 'custom', input, message, params: { hint } satisfies FlagIssueParams });
  return z.NEVER;
}

/** A positive whole number given as text (commander passes strings); absent or empty → `fallback`. */
export function positiveIntOption(fallback: number) {
  return z.union([z.string(), z.number()]).optional().transform((value, ctx): number => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) return flagIssue(ctx, value, `must be a positive whole number, got '${String(value)}'`, 'e.g. {flag} 20');
    return n;
  });
}

/** A whole number within [min, max] given as text; absent → `fallback`. */
export function wholeNumberOption(fallback: number, min: number, max: number, hint: string) {
  return z.union([z.string(), z.number()]).optional().transform((value, ctx): number => {
    const n = Number(value ?? fallback);
    if (!Number.isInteger(n) || n < min || n > max) return flagIssue(ctx, value, `must be a whole number from ${min} to ${max}, got '${String(value)}'`, hint);
    return n;
  });
}

/** An optional path or text value (`--config <file>`); undefined when not given. */
export function optionalText() {
  return z.string().optional();
}

/** A text value with a default (`--split <split>` defaults to test). */
export function textOption(fallback: string) {
  return z.string().default(fallback);
}

/** A boolean switch (`--all`): true only when given. */
export function flagOption() {
  return z.boolean().default(false);
}

/** A `--no-x` switch: true unless `--no-x` was given. */
export function negatableFlag() {
  return z.boolean().default(true);
}

/** A variadic list (`--set <key=value...>`); empty when not given. */
export function stringList() {
  return z.array(z.string()).default([]);
}

/** A comma-separated list (`--queues audit,train`) → its non-empty items. */
export function commaList(fallback: string) {
  return z.string().default(fallback).transform((s) => s.split(',').filter(Boolean));
}

/** `--format` as commander passes it; output.ts validates it before the command runs. */
export const formatOption = optionalText();
