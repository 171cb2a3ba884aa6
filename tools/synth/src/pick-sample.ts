import { createHash } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildManifest, kermanyStrictPatient, patientLabel, type ImageRecord } from '@leakproof/ingest';

export interface SampleOptions {
  seed?: string;
  /** image quotas per class across both splits */
  quota?: Record<string, number>;
  /** every n-th picked patient (per class) goes to test */
  testEvery?: number;
  /** patients with more images are passed over, to keep the sample small and varied */
  maxImagesPerPatient?: number;
}

export interface PickedImage {
  source: string;
  path: string;
  split: string;
  label: string;
}

const rank = (seed: string, id: string): string => createHash('sha256').update(`${seed}:${id}`).digest('hex');

/**
 * Deterministically picks whole patients from a Kaggle-layout train split and files them into train/test.
 * Patients are grouped by the *strict* ID (personN across the bacteria/virus series), so the two splits
 * are disjoint under both Kermany rules, and a patient whose bytes equal another picked patient's is skipped.
 */
export async function pickSample(sourceRoot: string, options: SampleOptions = {}): Promise<PickedImage[]> {
  const seed = options.seed ?? 'leakproof-sample-v1';
  const quota = { NORMAL: 120, PNEUMONIA: 160, ...options.quota };
  const testEvery = options.testEvery ?? 4;
  const maxPer = options.maxImagesPerPatient ?? 4;
  const manifest = await buildManifest(sourceRoot);
  const groups = new Map<string, ImageRecord[]>();
  for (const img of manifest.images.filter((i) => i.split === 'train')) {
    const id = kermanyStrictPatient(img.path) ?? img.patient;
    groups.set(id, [...(groups.get(id) ?? []), img]);
  }
  const ordered = [...groups.entries()].filter(([, imgs]) => imgs.length <= maxPer).sort((a, b) => (rank(seed, a[0]) < rank(seed, b[0]) ? -1 : 1));
  const taken = new Map<string, number>();
  const patientsPerClass = new Map<string, number>();
  const seenHashes = new Set<string>();
  const picked: PickedImage[] = [];
  for (const [, imgs] of ordered) {
    const label = patientLabel(imgs.map((i) => i.label));
    const have = taken.get(label) ?? 0;
    if (have + imgs.length > (quota[label as keyof typeof quota] ?? 0)) continue;
    if (imgs.some((i) => seenHashes.has(i.sha256))) continue;
    const n = patientsPerClass.get(label) ?? 0;
    patientsPerClass.set(label, n + 1);
    taken.set(label, have + imgs.length);
    const split = n % testEvery === testEvery - 1 ? 'test' : 'train';
    for (const img of imgs) {
      seenHashes.add(img.sha256);
      const name = img.path.split('/').pop() as string;
      picked.push({ source: join(manifest.root, img.path), path: `${split}/${img.label}/${name}`, split, label: img.label });
    }
  }
  return picked.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Replaces `destRoot` with byte-identical copies of the picked files. */
export async function writeSample(picked: readonly PickedImage[], destRoot: string): Promise<void> {
  await rm(destRoot, { recursive: true, force: true });
  for (const p of picked) {
    await mkdir(join(destRoot, p.split, p.label), { recursive: true });
    await copyFile(p.source, join(destRoot, p.path));
  }
}
