import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { leakKinds, type ExpectedImage, type GroundTruth, type LeakKind } from './ground-truth.js';
import { randomField, renderView } from './pixels.js';
import { kermanyId, labelOf, Namer, NumberPool, planPatients, strictId, type Series, type SynthPatient } from './patients.js';
import { createRng, intBetween, uniform, type Rng } from './rng.js';
import { plantBadInputs } from './bad-inputs.js';

export interface SynthOptions {
  seed?: number;
  /** patients in total, spread over NORMAL (IM, NORMAL2-IM) and PNEUMONIA (bacteria, virus) series */
  patients?: number;
  imagesPerPatient?: number;
  /** side of the square images */
  size?: number;
  /** leak kinds to plant once each (from train into test), or 'all' */
  leaks?: readonly LeakKind[] | 'all';
  /** also plant every bad input of issue 2 */
  badInputs?: boolean;
  testFraction?: number;
}

interface Written {
  path: string;
  /** kept only for the images a leak may be planted from (memory stays bounded at 10⁵ images) */
  bytes: Buffer | null;
  patient: SynthPatient;
}

const jpegQuality = 90;

async function encodeJpeg(pixels: Uint8Array, size: number, quality = jpegQuality): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).jpeg({ quality }).toBuffer();
}

/**
 * Writes a Kaggle-layout dataset (`<dir>/<split>/<CLASS>/<file>`) of synthetic radiograph-like images
 * with patient-bearing names, plants the requested leaks and bad inputs, and returns the ground truth.
 * Deterministic for a given seed and options (file contents and names).
 */
export async function generateSyntheticDataset(dir: string, options: SynthOptions = {}): Promise<GroundTruth> {
  const seed = options.seed ?? 1;
  const size = options.size ?? 128;
  const patientCount = Math.max(4, options.patients ?? 24);
  const perPatient = Math.max(1, options.imagesPerPatient ?? 3);
  const leaks: readonly LeakKind[] = options.leaks === 'all' ? leakKinds : (options.leaks ?? []);
  const root = resolve(dir);
  const rng = createRng(seed);
  const pool = new NumberPool(rng);
  const namer = new Namer();
  const patients = planPatients(rng, pool, patientCount, options.testFraction ?? 0.3);

  const truth: GroundTruth = {
    schemaVersion: 1,
    seed,
    root,
    size,
    splits: ['train', 'test'],
    classes: ['NORMAL', 'PNEUMONIA'],
    images: [],
    leaks: [],
    badInputs: [],
    seriesCollisions: [],
    skipped: [],
  };
  for (const split of truth.splits) for (const label of truth.classes) await mkdir(join(root, split, label), { recursive: true });

  const write = async (patient: SynthPatient, split: string, label: string, fileName: string, bytes: Buffer, origin: ExpectedImage['origin']): Promise<string> => {
    const path = `${split}/${label}/${fileName}`;
    await writeFile(join(root, path), bytes);
    truth.images.push({ path, split, label, patient: kermanyId(patient.series, patient.number), strictPatient: strictId(patient.series, patient.number), origin });
    return path;
  };

  const originals: Written[] = [];
  const sourcePatients = new Set<SynthPatient>();
  // render in order (one seeded stream), encode a batch of patients at once on sharp's threads, write in order
  for (let first = 0; first < patients.length; first += 16) {
    const batch = patients.slice(first, first + 16).flatMap((patient) => {
      const field = randomField(rng);
      return Array.from({ length: perPatient }, () => ({ patient, pixels: renderView(field, rng, size, 1) }));
    });
    const encoded = await Promise.all(batch.map(({ pixels }) => encodeJpeg(pixels, size)));
    for (const [k, { patient }] of batch.entries()) {
      const bytes = encoded[k] as Buffer;
      const path = await write(patient, patient.split, patient.label, namer.fileName(patient.series, patient.number), bytes, 'original');
      const source = patient.split === 'train' && !sourcePatients.has(patient) && sourcePatients.size < leaks.length;
      if (source) sourcePatients.add(patient);
      originals.push({ path, bytes: source ? bytes : null, patient });
    }
  }

  recordSeriesCollisions(truth, originals);
  await plantLeaks(leaks, { rng, pool, namer, size, originals, write, truth });
  if (options.badInputs) await plantBadInputs(root, truth, await encodeJpeg(renderView(randomField(rng), rng, size, 1), size));
  return truth;
}

function recordSeriesCollisions(truth: GroundTruth, originals: Written[]): void {
  const firstByStrict = new Map<string, Written>();
  for (const w of originals) {
    const key = strictId(w.patient.series, w.patient.number);
    const seen = firstByStrict.get(key);
    if (!seen) firstByStrict.set(key, w);
    else if (seen.patient.series !== w.patient.series && seen.patient.split !== w.patient.split) {
      truth.seriesCollisions.push({ pathA: seen.path, pathB: w.path });
    }
  }
}

interface LeakContext {
  rng: Rng;
  pool: NumberPool;
  namer: Namer;
  size: number;
  originals: Written[];
  write: (patient: SynthPatient, split: string, label: string, fileName: string, bytes: Buffer, origin: ExpectedImage['origin']) => Promise<string>;
  truth: GroundTruth;
}

const freshNumberRange: [number, number] = [5000, 5999];

async function plantLeaks(kinds: readonly LeakKind[], ctx: LeakContext): Promise<void> {
  const { rng, pool, namer, size, truth } = ctx;
  // one distinct train patient per leak, so each planted pair is unambiguous
  const sources: Written[] = [];
  const usedPatients = new Set<string>();
  for (const w of ctx.originals) {
    const id = kermanyId(w.patient.series, w.patient.number);
    if (w.patient.split === 'train' && w.bytes && !usedPatients.has(id)) {
      usedPatients.add(id);
      sources.push(w);
    }
  }
  let next = 0;
  for (const kind of kinds) {
    const source = sources[next++ % Math.max(1, sources.length)] as (Written & { bytes: Buffer }) | undefined;
    if (!source) throw new Error('no train patient to plant a leak from; use more patients');
    const fresh = (series: Series): SynthPatient => ({ series, number: pool.take(series, ...freshNumberRange), label: labelOf(series), split: 'test' });
    const leakInto = async (bytes: Buffer, ext: string, detail: string): Promise<void> => {
      const patient = fresh(source.patient.series);
      const pathB = await ctx.write(patient, 'test', patient.label, namer.fileName(patient.series, patient.number, ext), bytes, 'leak');
      truth.leaks.push({ kind, pathA: source.path, pathB, detail });
    };
    const img = () => sharp(source.bytes);
    switch (kind) {
      case 'byte-copy':
        await leakInto(source.bytes, 'jpeg', 'byte-identical copy under another patient ID');
        break;
      case 'lossless-reencode':
        await leakInto(await img().png().toBuffer(), 'png', 'decoded JPEG re-encoded as PNG (same pixels, other bytes)');
        break;
      case 'resize': {
        const side = Math.round(size * 0.75);
        await leakInto(await img().resize(side, side).jpeg({ quality: jpegQuality }).toBuffer(), 'jpeg', `resized ${size}→${side}`);
        break;
      }
      case 'jpeg-requality':
        await leakInto(await img().jpeg({ quality: 55 }).toBuffer(), 'jpeg', `re-encoded at JPEG quality 55 (from ${jpegQuality})`);
        break;
      case 'brightness-contrast':
        await leakInto(await img().linear(1.12, 0).jpeg({ quality: jpegQuality }).toBuffer(), 'jpeg', 'brightness/contrast +12% (linear 1.12)');
        break;
      case 'crop': {
        const side = (): number => Math.round(size * uniform(rng, 0.02, 0.04));
        const [l, r, t, b] = [side(), side(), side(), side()];
        const region = { left: l, top: t, width: size - l - r, height: size - t - b };
        await leakInto(await img().extract(region).jpeg({ quality: jpegQuality }).toBuffer(), 'jpeg', `cropped ${l}/${r}/${t}/${b} px (left/right/top/bottom)`);
        break;
      }
      case 'patient-overlap': {
        // fresh pixels, but the file name carries a train patient's ID
        const pixels = renderView(randomField(rng), rng, size, 1);
        const bytes = await encodeJpeg(pixels, size);
        const patient = { ...source.patient, split: 'test' };
        const pathB = await ctx.write(patient, 'test', patient.label, namer.fileName(patient.series, patient.number), bytes, 'leak');
        truth.leaks.push({ kind, pathA: source.path, pathB, detail: `new pixels, same patient ${kermanyId(patient.series, patient.number)}` });
        break;
      }
      case 'label-conflict': {
        // the same bytes filed under the other class, inside the source's own split
        const series: Series = source.patient.label === 'NORMAL' ? (intBetween(rng, 0, 1) ? 'bacteria' : 'virus') : 'IM';
        const patient: SynthPatient = { series, number: pool.take(series, ...freshNumberRange), label: labelOf(series), split: source.patient.split };
        const pathB = await ctx.write(patient, patient.split, patient.label, namer.fileName(series, patient.number), source.bytes, 'leak');
        truth.leaks.push({ kind, pathA: source.path, pathB, detail: `same bytes labelled ${source.patient.label} and ${patient.label}` });
        break;
      }
    }
  }
}
