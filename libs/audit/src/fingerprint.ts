import { createHash } from 'node:crypto';
import type { ImageRecord } from '@leakproof/ingest';

/**
 * SHA-256 over the sorted (split, relative path, sha256, label, patient) records: where the dataset lives
 * and file times do not matter, any added, removed, moved, relabelled or edited image does.
 */
export function splitFingerprint(images: readonly Pick<ImageRecord, 'split' | 'path' | 'sha256' | 'label' | 'patient'>[]): string {
  const lines = images.map((r) => [r.split, r.path, r.sha256, r.label, r.patient].map((f) => JSON.stringify(f)).join('\t'));
  lines.sort();
  const hash = createHash('sha256');
  hash.update(`leakproof-split-fingerprint-v1\n`);
  for (const line of lines) hash.update(line + '\n');
  return hash.digest('hex');
}
