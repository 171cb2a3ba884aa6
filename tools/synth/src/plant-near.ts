import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';
import { nearEdit, nearEditKinds, type NearEditKind } from './near-edits.js';
import { createRng, shuffled } from './rng.js';

export const plantedNearPairSchema = z.object({
  kind: z.enum(nearEditKinds),
  /** the source image, relative to the source root */
  source: z.string(),
  /** the edited copy, relative to the output root */
  copy: z.string(),
  detail: z.string(),
});
export type PlantedNearPair = z.infer<typeof plantedNearPairSchema>;

export interface PlantNearOptions {
  /** copies per edit kind */
  perKind: number;
  seed?: number;
  kinds?: readonly NearEditKind[];
}

/**
 * Writes edited copies of source images (each source used once over all kinds, picked by a seeded shuffle)
 * under `<outRoot>/<kind>/<label>/<name>` with the source's class folder as label, and returns the ground
 * truth: which copy came from which source by which edit. The recall benchmark and the near-duplicate tests
 * plant these across splits and check the audit finds every pair.
 */
export async function plantNearPairs(sources: readonly string[], sourceRoot: string, outRoot: string, options: PlantNearOptions): Promise<PlantedNearPair[]> {
  const kinds = options.kinds ?? nearEditKinds;
  const seed = options.seed ?? 1;
  const picked = shuffled(createRng(seed), [...sources].sort());
  if (picked.length < kinds.length * options.perKind) throw new Error(`need ${kinds.length * options.perKind} source images, got ${picked.length}`);
  const out: PlantedNearPair[] = [];
  let k = 0;
  for (const kind of kinds) {
    for (let i = 0; i < options.perKind; i++, k++) {
      const source = picked[k] as string;
      const bytes = await readFile(join(sourceRoot, source));
      const editSeed = Number.parseInt(createHash('sha256').update(`${seed}:${kind}:${source}`).digest('hex').slice(0, 8), 16);
      const edit = await nearEdit(kind, bytes, editSeed);
      const label = basename(dirname(source));
      const copy = `${kind}/${label}/${basename(source, extname(source))}-${kind}.jpeg`;
      await mkdir(dirname(join(outRoot, copy)), { recursive: true });
      await writeFile(join(outRoot, copy), edit.bytes);
      out.push({ kind, source, copy, detail: edit.detail });
    }
  }
  return out;
}
