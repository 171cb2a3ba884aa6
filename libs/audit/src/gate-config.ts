import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseJsonText } from '@leakproof/core';
import { PolicyError } from './policy.js';

/** leakproof.config.json: the datasets the merge gate audits. Paths are relative to the config file. */
export const gateConfigSchema = z
  .object({
    datasets: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, . _ - only'),
            path: z.string().min(1),
            /** dataset/ingest config (layout, patient-ID rule) */
            config: z.string().optional(),
            /** audit policy; default leakproof.policy.json next to the config, else the built-in one */
            policy: z.string().optional(),
          })
          .strict(),
      )
      .min(1)
      .superRefine((datasets, ctx) => {
        // the name keys the lock file: two datasets under one name would overwrite each other's fingerprint
        const seen = new Set<string>();
        datasets.forEach((d, i) => {
          if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${d.name}' names another dataset already; every dataset needs its own name` });
          seen.add(d.name);
        });
      }),
    lockFile: z.string().default('leakproof.lock.json'),
  })
  .strict();
export type GateConfig = z.infer<typeof gateConfigSchema>;

/**
 * leakproof.lock.json (committed): the fingerprint of each dataset at its last passing audit. A fresh CI
 * clone has no database, so this file is what "changed since its last passing audit" is checked against.
 */
export const lockFileSchema = z.object({
  schemaVersion: z.literal(1),
  datasets: z.record(
    z.string(),
    z.object({ fingerprint: z.string().regex(/^[0-9a-f]{64}$/), policyHash: z.string(), images: z.number().int(), auditedAt: z.string(), tool: z.string() }),
  ),
});
export type LockFile = z.infer<typeof lockFileSchema>;

async function readJson(path: string, what: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PolicyError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, hint);
  }
  try {
    return parseJsonText(text);
  } catch (error) {
    throw new PolicyError(`${what} ${path} is not valid JSON: ${(error as Error).message}`, hint);
  }
}

export async function loadGateConfig(path: string): Promise<GateConfig> {
  const json = await readJson(path, 'gate config', 'create leakproof.config.json: { "datasets": [{ "name": "chest", "path": "data/sample/chest_xray" }] }');
  const parsed = gateConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new PolicyError(`gate config ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'see leakproof.config.json at the repository root');
  }
  return parsed.data;
}

export async function loadLockFile(path: string): Promise<LockFile> {
  let json: unknown;
  try {
    json = parseJsonText(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 1, datasets: {} };
    throw new PolicyError(`lock file ${path} is not valid JSON: ${(error as Error).message}`, 'restore it from git or delete it and run `leakproof gate --update`');
  }
  const parsed = lockFileSchema.safeParse(json);
  if (!parsed.success) throw new PolicyError(`lock file ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'restore it from git or delete it and run `leakproof gate --update`');
  return parsed.data;
}

export async function saveLockFile(path: string, lock: LockFile): Promise<void> {
  const sorted: LockFile = { schemaVersion: 1, datasets: Object.fromEntries(Object.entries(lock.datasets).sort(([a], [b]) => a.localeCompare(b))) };
  await writeFile(path, JSON.stringify(sorted, null, 2) + '\n');
}
