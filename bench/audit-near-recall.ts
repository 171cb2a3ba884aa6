// Near-duplicate recall per edit kind on real radiographs, false pairs between different children on the whole
// real train split, the verifier's score distributions, and candidates per image for each candidate option.
// Run: node --import tsx bench/audit-near-recall.ts [--per-kind 200] [--seed 1] [--skip-options]
// Images: ../shared/data/chest_xray_224/train (Kermany, Zhang, Goldbaum, Mendeley Data, doi:10.17632/rscbjbr9sj.2, CC BY 4.0).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, symlink, readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  candidatePairs,
  decodeCodes,
  decodeView,
  defaultDescriptorSearch,
  defaultPolicy,
  descriptorCandidates,
  DESCRIPTOR_DIMS,
  hashFiles,
  verifyViews,
  type HashOutcome,
  type NearCandidate,
  type Policy,
} from '@leakproof/audit';
import { buildManifest, type ImageRecord } from '@leakproof/ingest';
import { nearEditKinds, plantNearPairs } from '@leakproof/synth';
import { nearCandidates } from '../libs/audit/src/near-search.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const perKind = arg('--per-kind', 200);
const seed = arg('--seed', 1);
const sharedRoot = join(import.meta.dirname, '../../shared/data/chest_xray_224');
type Hashed = Extract<HashOutcome, { ok: true }>;

const q = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
};
const dist = (xs: number[]): string => (xs.length ? `n=${xs.length} min ${Math.min(...xs).toFixed(3)} p1 ${q(xs, 0.01).toFixed(3)} p50 ${q(xs, 0.5).toFixed(3)} p99 ${q(xs, 0.99).toFixed(3)} max ${Math.max(...xs).toFixed(3)}` : 'n=0');
const pct = (a: number, b: number): string => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function recordOf(root: string, path: string, split: string, label: string, patient: string): Promise<ImageRecord> {
  const bytes = await readFile(join(root, path));
  const st = await stat(join(root, path));
  return { path, split, label, patient, size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function verifyAll(images: readonly ImageRecord[], records: readonly HashOutcome[], candidates: NearCandidate[], policy: Policy): Promise<number[]> {
  const outcomes = await verifyViews(
    candidates.map((c) => ({ a: c.source, b: c.target })),
    async (i) => decodeView((records[i] as Hashed).view),
    policy,
  );
  return outcomes.map((o) => (o.ok ? o.score : -1));
}

/** Stage 2 then stage 3 of the audit on these records, each timed. */
async function candidatesThenScores(images: readonly ImageRecord[], records: readonly HashOutcome[], policy: Policy) {
  let t = performance.now();
  const stage = await candidatePairs(images, records, policy);
  const candidateMs = performance.now() - t;
  t = performance.now();
  const scores = await verifyAll(images, records, stage.candidates, policy);
  return { stage, scores, candidateMs, verifyMs: performance.now() - t };
}

async function main(): Promise<void> {
  if (!existsSync(join(sharedRoot, 'train'))) {
    console.log(`(skipping: ${sharedRoot}/train is absent)`);
    return;
  }
  const policy = defaultPolicy;
  console.log(`near-duplicate recall on real radiographs: ${perKind} planted pairs per kind, seed ${seed}, ${availableParallelism()} cores (shared with other jobs)`);
  const manifest = await buildManifest(sharedRoot);
  const originals = manifest.images;
  const root = await mkdtemp(join(tmpdir(), 'near-recall-'));
  try {
    await symlink(join(sharedRoot, 'train'), join(root, 'train'));
    let t = performance.now();
    const planted = await plantNearPairs(originals.map((r) => r.path), root, join(root, 'test'), { perKind, seed });
    console.log(`planted ${planted.length} edited copies (${nearEditKinds.join(', ')}) in ${secs(performance.now() - t)}`);
    const bySource = new Map(originals.map((r, i) => [r.path, i]));
    const copies = await Promise.all(planted.map((p, k) => recordOf(root, `test/${p.copy}`, 'test', (originals[bySource.get(p.source) as number] as ImageRecord).label, `planted-${k}`)));
    const images = [...originals, ...copies];

    t = performance.now();
    const records = await hashFiles(images.map((r) => join(root, r.path)));
    const hashMs = performance.now() - t;
    console.log(`hash stage: ${images.length} images in ${secs(hashMs)} (${(hashMs / images.length).toFixed(2)} ms/img)`);

    // ---- A. planted pairs across splits: candidates per option, then verified recall per kind
    const plantedPair = planted.map((p, k) => ({ ...p, a: bySource.get(p.source) as number, b: originals.length + k }));
    const key = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
    const relevant = (a: number, b: number): boolean => (images[a] as ImageRecord).split !== (images[b] as ImageRecord).split || (images[a] as ImageRecord).label !== (images[b] as ImageRecord).label;
    const decodable = records.flatMap((h, index) => (h.ok ? [{ index, h }] : [])) as { index: number; h: Hashed }[];
    const options: { name: string; pairs: () => { a: number; b: number }[] | Promise<{ a: number; b: number }[]> }[] = [
      { name: 'blockhash r16 + crop codes (v1)', pairs: () => nearCandidates(decodable.map(({ index, h }) => ({ index, block: h.block, cropBlocks: h.cropBlocks })), 16).map((c) => ({ a: c.source, b: c.target })) },
      { name: 'blockhash r8 + crop codes', pairs: () => nearCandidates(decodable.map(({ index, h }) => ({ index, block: h.block, cropBlocks: h.cropBlocks })), 8).map((c) => ({ a: c.source, b: c.target })) },
      ...[1, 2, 3, 5].map((k) => ({ name: `descriptor index, ${k} per image`, pairs: () => descriptorCandidates(decodable.map(({ index, h }) => ({ index, codes: decodeCodes(h.codes) })), relevant, { ...defaultDescriptorSearch, perImage: k }) })),
      { name: 'descriptor, 3/image, no variant queries (base+mirror only)', pairs: () => descriptorCandidates(decodable.map(({ index, h }) => ({ index, codes: baseOnly(decodeCodes(h.codes)) })), relevant, { ...defaultDescriptorSearch, perImage: 3 }) },
    ];
    if (!args.includes('--skip-options')) console.log(`\ncandidate options (${images.length} images; recall = planted pairs among the candidates, before verification):`);
    for (const o of args.includes('--skip-options') ? [] : options) {
      t = performance.now();
      const got = new Set((await o.pairs()).map((p) => key(p.a, p.b)));
      const ms = performance.now() - t;
      const perKindRecall = nearEditKinds.map((kind) => {
        const mine = plantedPair.filter((p) => p.kind === kind);
        return `${kind} ${pct(mine.filter((p) => got.has(key(p.a, p.b))).length, mine.length)}`;
      });
      console.log(`  ${o.name.padEnd(58)} ${String(got.size).padStart(6)} candidates (${(got.size / images.length).toFixed(2)}/img, ${secs(ms)}) | ${perKindRecall.join(', ')}`);
    }

    const { stage, scores, candidateMs, verifyMs } = await candidatesThenScores(images, records, policy);
    console.log(`\naudit default (blockhash r${policy.near.radius} ∪ descriptor ${policy.near.perImage}/image, threshold ${policy.near.minSimilarity}): ${stage.candidates.length} candidates verified (${(stage.candidates.length / images.length).toFixed(2)}/img); candidate stage ${secs(candidateMs)}, verification ${secs(verifyMs)} (${(verifyMs / Math.max(1, stage.candidates.length)).toFixed(2)} ms/pair on ${availableParallelism()} worker threads)`);
    const found = new Map<string, number>();
    for (const m of stage.matched) found.set(key(m.a, m.b), 1);
    stage.candidates.forEach((c, k) => {
      if ((scores[k] as number) >= policy.near.minSimilarity) found.set(key(c.source, c.target), scores[k] as number);
    });
    const scoreOf = new Map(stage.candidates.map((c, k) => [key(c.source, c.target), scores[k] as number]));
    console.log('recall per kind (found = identical bytes/pixels or verified ≥ threshold):');
    const sameImageScores: number[] = [];
    for (const kind of nearEditKinds) {
      const mine = plantedPair.filter((p) => p.kind === kind);
      const hit = mine.filter((p) => found.has(key(p.a, p.b)));
      const s = mine.map((p) => scoreOf.get(key(p.a, p.b))).filter((x): x is number => x !== undefined);
      sameImageScores.push(...s);
      console.log(`  ${kind.padEnd(9)} ${hit.length}/${mine.length} = ${pct(hit.length, mine.length)}   verifier ${dist(s)}`);
      for (const p of mine.filter((x) => !found.has(key(x.a, x.b))).slice(0, 5)) console.log(`      missed ${p.copy} (${p.detail}): ${scoreOf.has(key(p.a, p.b)) ? `score ${(scoreOf.get(key(p.a, p.b)) as number).toFixed(3)}` : 'not a candidate'}`);
    }
    const plantedKeys = new Set(plantedPair.map((p) => key(p.a, p.b)));
    const patientOf = (i: number): string => (i >= originals.length ? ((originals[(plantedPair[i - originals.length] as { a: number }).a] as ImageRecord).patient) : (images[i] as ImageRecord).patient);
    const falseFound = [...found.keys()].filter((k) => {
      const [a, b] = k.split(':').map(Number) as [number, number];
      return !plantedKeys.has(k) && (images[a] as ImageRecord).split !== (images[b] as ImageRecord).split && patientOf(a) !== patientOf(b);
    });
    console.log(`cross-split findings between different children: ${falseFound.length}${falseFound.length ? ` (${falseFound.slice(0, 5).map((k) => k.split(':').map((i) => (images[Number(i)] as ImageRecord).path).join(' ~ ')).join('; ')})` : ''}`);

    // ---- B. the whole real train split as two splits, every patient wholly on one side
    const side = (patient: string): string => (createHash('sha256').update(patient).digest()[0]! % 2 ? 'A' : 'B');
    const split = originals.map((r) => ({ ...r, split: side(r.patient) }));
    const splitRecords = records.slice(0, originals.length);
    console.log(`\nreal train split as two splits by patient (${split.filter((r) => r.split === 'A').length} / ${split.filter((r) => r.split === 'B').length} images, ${new Set(split.map((r) => r.patient)).size} patients):`);
    for (const step of [4, 2, 1]) {
      const idx = split.map((_, i) => i).filter((i) => i % step === 0);
      const sub = idx.map((i) => split[i] as ImageRecord);
      const subRecords = idx.map((i) => splitRecords[i] as HashOutcome);
      const { stage: st, scores: sc, candidateMs: cMs, verifyMs: vMs } = await candidatesThenScores(sub, subRecords, policy);
      const cross = st.candidates.filter((c, k) => (sc[k] as number) >= policy.near.minSimilarity && (sub[c.source] as ImageRecord).split !== (sub[c.target] as ImageRecord).split);
      const crossDifferent = cross.filter((c) => (sub[c.source] as ImageRecord).patient !== (sub[c.target] as ImageRecord).patient);
      const exactCross = st.matched.filter((m) => (sub[m.a] as ImageRecord).split !== (sub[m.b] as ImageRecord).split);
      const otherChildren = st.candidates.map((c, k) => ({ c, s: sc[k] as number })).filter(({ c }) => (sub[c.source] as ImageRecord).patient !== (sub[c.target] as ImageRecord).patient).map(({ s }) => s);
      console.log(
        `  every ${step === 1 ? 'image' : `${step}${step === 2 ? 'nd' : 'th'}`}: ${sub.length} images, ${st.candidates.length} candidates verified (${(st.candidates.length / sub.length).toFixed(2)}/img; blockhash ${st.proposed.blockhash}, descriptor ${st.proposed.descriptor}), ` +
          `candidate stage ${secs(cMs)}, verification ${secs(vMs)}; cross-split near findings between different children: ${crossDifferent.length}, exact/pixel: ${exactCross.length}`,
      );
      if (step === 1) {
        console.log(`  verifier scores, different children (every verified candidate): ${dist(otherChildren)}`);
        console.log(`  verifier scores, same image after an edit (section A):             ${dist(sameImageScores)}`);
        console.log(`  margin: threshold ${policy.near.minSimilarity}; highest different-children score ${Math.max(...otherChildren).toFixed(3)}, lowest same-image score ${Math.min(...sameImageScores).toFixed(3)}`);
        for (const c of crossDifferent.slice(0, 10)) console.log(`      false pair ${(sub[c.source] as ImageRecord).path} ~ ${(sub[c.target] as ImageRecord).path}`);
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Keeps only the base descriptor (the variants zeroed): the option without query-side expansion. */
function baseOnly(codes: Int8Array): Int8Array {
  const out = new Int8Array(codes.length);
  const dims = DESCRIPTOR_DIMS;
  for (let v = 0; v < codes.length / dims; v++) out.set(codes.subarray(0, dims), v * dims);
  return out;
}

await main();
