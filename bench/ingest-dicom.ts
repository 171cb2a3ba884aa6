/**
 * DICOM through the one decoder: 16-bit 1024×1024 radiograph-like images decoded to 256 px gray, as
 * uncompressed DICOM (window + rescale), as JPEG-lossless DICOM, and — the baseline, measured in the same
 * run — the same pixels as a 16-bit PNG through sharp. Also the manifest of 40 DICOM files (hash + header).
 *   node --import tsx bench/ingest-dicom.ts
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildManifest, decodeGray, encodeDicom, encodeJpegLossless, seededRandom } from '@leakproof/ingest';

const SIDE = 1024;
const N = 20;
const dir = await mkdtemp(join(tmpdir(), 'bench-dicom-'));

function radiograph(seed: number): Uint16Array {
  const random = seededRandom(seed);
  const out = new Uint16Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) out[y * SIDE + x] = Math.round(2000 + 1500 * Math.sin(x / 90) * Math.cos(y / 70) + random() * 40);
  return out;
}

const paths = { png: [] as string[], dicom: [] as string[], lossless: [] as string[] };
await mkdir(join(dir, 'ds', 'train', 'NORMAL'), { recursive: true });
for (let i = 0; i < N; i++) {
  const pixels = radiograph(i);
  const common = { rows: SIDE, columns: SIDE, bitsAllocated: 16 as const, bitsStored: 12, windowCenter: 2000, windowWidth: 3200, rescaleSlope: 1, rescaleIntercept: 0, patientId: `P${i}` };
  const png = await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 1 }).toBuffer();
  paths.png.push(join(dir, `${i}.png`));
  paths.dicom.push(join(dir, 'ds', 'train', 'NORMAL', `${i}.dcm`));
  paths.lossless.push(join(dir, `${i}-jpegll`));
  await writeFile(paths.png[i] as string, png);
  await writeFile(paths.dicom[i] as string, encodeDicom({ ...common, pixels }));
  await writeFile(paths.lossless[i] as string, encodeDicom({ ...common, transferSyntax: '1.2.840.10008.1.2.4.70', frame: encodeJpegLossless(pixels, SIDE, SIDE, 16) }));
}

async function perImage(list: string[]): Promise<number> {
  const t = performance.now();
  for (const p of list) await decodeGray(p, { size: 256 });
  return (performance.now() - t) / list.length;
}

for (const list of Object.values(paths)) await perImage(list.slice(0, 2)); // warm up
const png = await perImage(paths.png);
const dicom = await perImage(paths.dicom);
const lossless = await perImage(paths.lossless);
const t = performance.now();
const manifest = await buildManifest(join(dir, 'ds'), { patientIds: 'pseudonymous' });
const manifestMs = performance.now() - t;
console.log(`decodeGray → 256 px gray, ${SIDE}×${SIDE} 16-bit, ${N} images, sequential:`);
console.log(`  baseline 16-bit PNG via sharp      ${png.toFixed(1)} ms/image`);
console.log(`  DICOM uncompressed (rescale+window) ${dicom.toFixed(1)} ms/image  (${(dicom / png).toFixed(2)}× the PNG)`);
console.log(`  DICOM JPEG lossless                 ${lossless.toFixed(1)} ms/image  (${(lossless / png).toFixed(2)}× the PNG)`);
console.log(`buildManifest of ${manifest.images.length} uncompressed DICOM files (2 MB each): ${manifestMs.toFixed(0)} ms`);
await rm(dir, { recursive: true, force: true });
