import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { findingKinds, LeakproofError, parseJsonText, type FindingKind } from '@leakproof/core';

export { findingKinds, type FindingKind };

const action = z.enum(['fail', 'warn', 'off']);
const reason = z.string().trim().min(3, 'every allowlist entry needs a written reason');

export const policySchema = z
  .object({
    schemaVersion: z.literal(1).default(1),
    /** what each check does with what it finds: fail the verdict, warn, or not run */
    checks: z
      .object({
        exact: action.default('fail'),
        pixel: action.default('fail'),
        near: action.default('fail'),
        patient: action.default('fail'),
        'label-conflict': action.default('fail'),
        /** fail closed: a pair that could not be verified is not a pass */
        unverified: action.default('fail'),
      })
      .strict()
      .default({ exact: 'fail', pixel: 'fail', near: 'fail', patient: 'fail', 'label-conflict': 'fail', unverified: 'fail' }),
    near: z
      .object({
        /** blockhash Hamming radius for the cheap candidates (near-identical copies; the index is exact for it) */
        radius: z.number().int().min(0).max(40).default(8),
        /** best-ranked descriptor candidates kept per image (rotations, mirrors, borders, crops, tone changes) */
        perImage: z.number().int().min(1).max(50).default(3),
        /** a candidate is a near-duplicate when the aligned canonical views correlate at least this much (README: measured margin) */
        minSimilarity: z.number().min(0).max(1).default(0.98),
        /** stretch searched per axis during verification (one-sided crops, residual borders) */
        maxScale: z.number().min(0).max(0.3).default(0.16),
        /** shift searched each way, as a fraction of the side */
        maxShift: z.number().min(0).max(0.2).default(0.08),
        /** rotation searched each way, degrees */
        maxRotation: z.number().min(0).max(15).default(6),
      })
      .strict()
      .default({ radius: 8, perImage: 3, minSimilarity: 0.98, maxScale: 0.16, maxShift: 0.08, maxRotation: 6 }),
    allowlist: z
      .object({
        /** accepted pairs of paths (relative to the dataset root, either order) */
        pairs: z.array(z.object({ a: z.string().min(1), b: z.string().min(1), reason }).strict()).default([]),
        /** accepted patient IDs in more than one split */
        patients: z.array(z.object({ patient: z.string().min(1), reason }).strict()).default([]),
      })
      .strict()
      .default({ pairs: [], patients: [] }),
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

export const defaultPolicy: Policy = policySchema.parse({});

export class PolicyError extends LeakproofError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'policy', hint });
  }
}

export function parsePolicy(value: unknown, source = 'policy'): Policy {
  const parsed = policySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new PolicyError(`${source} is not a valid audit policy: ${issues}`, 'see leakproof.policy.json at the repository root for the format');
}

export async function loadPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PolicyError(`cannot read policy file ${path}: ${(error as Error).message}`, 'pass an existing file with --policy');
  }
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    throw new PolicyError(`policy file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePolicy(json, `policy file ${path}`);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the policy with defaults filled in and keys sorted: formatting and omitted defaults do not change it. */
export function policyHash(policy: Policy): string {
  return createHash('sha256').update(canonical(policySchema.parse(policy))).digest('hex');
}
