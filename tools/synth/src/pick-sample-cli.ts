/**
 * Regenerates data/sample/chest_xray from ../shared/data/chest_xray_224 (run from the repo root):
 *   node --import tsx tools/synth/src/pick-sample-cli.ts [sourceRoot] [destRoot]
 */
import { resolve } from 'node:path';
import { pickSample, writeSample } from './pick-sample.js';

const source = resolve(process.argv[2] ?? '../shared/data/chest_xray_224');
const dest = resolve(process.argv[3] ?? 'data/sample/chest_xray');
const picked = await pickSample(source);
await writeSample(picked, dest);
const counts = new Map<string, number>();
for (const p of picked) counts.set(`${p.split}/${p.label}`, (counts.get(`${p.split}/${p.label}`) ?? 0) + 1);
process.stderr.write(`${picked.length} images → ${dest}\n${[...counts].map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
