import { access, chmod, constants, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroundTruth } from './ground-truth.js';
import { pngBomb } from './png-bomb.js';

/**
 * Plants every bad input of issue 2 next to the good images, recording the problem kind ingest must
 * report for each. `goodJpeg` is a valid image used for the truncated copy and the misplaced files.
 */
export async function plantBadInputs(root: string, truth: GroundTruth, goodJpeg: Buffer): Promise<void> {
  const add = (path: string, expected: GroundTruth['badInputs'][number]['expected'], note: string): void => {
    truth.badInputs.push({ path, expected, note });
  };
  const at = (path: string): string => join(root, path);

  await writeFile(at('train/NORMAL/IM-9001-0001.jpeg'), Buffer.alloc(0));
  add('train/NORMAL/IM-9001-0001.jpeg', 'empty-file', 'zero bytes');

  await writeFile(at('train/NORMAL/IM-9002-0001.jpeg'), goodJpeg.subarray(0, Math.floor(goodJpeg.length / 2)));
  add('train/NORMAL/IM-9002-0001.jpeg', 'truncated', 'first half of a valid JPEG (no EOI marker)');

  await writeFile(at('train/PNEUMONIA/person9003_bacteria_1.jpeg'), '<html><body>404 Not Found</body></html>\n');
  add('train/PNEUMONIA/person9003_bacteria_1.jpeg', 'not-an-image', 'an HTML error page saved as .jpeg');

  await mkdir(at('train/NORMAL/IM-9004-0001.jpeg'));
  add('train/NORMAL/IM-9004-0001.jpeg', 'directory-named-like-image', 'a directory named like an image');

  await symlink('../../missing/IM-9005-0001.jpeg', at('train/NORMAL/IM-9005-0001.jpeg'));
  add('train/NORMAL/IM-9005-0001.jpeg', 'dangling-symlink', 'a symlink to a file that does not exist');

  await writeFile(at('train/NORMAL/IM-9006-0001.png'), pngBomb(20_000));
  add('train/NORMAL/IM-9006-0001.png', 'too-many-pixels', '20,000×20,000 PNG decompression bomb (~50 KB on disk)');

  const unreadable = 'train/NORMAL/IM-9007-0001.jpeg';
  await writeFile(at(unreadable), goodJpeg);
  await chmod(at(unreadable), 0o000);
  if (await isReadable(at(unreadable))) {
    // root (and CAP_DAC_OVERRIDE) reads mode-000 files, so this process cannot make an unreadable file
    await chmod(at(unreadable), 0o644);
    truth.images.push({ path: unreadable, split: 'train', label: 'NORMAL', patient: 'IM-9007', strictPatient: 'IM-9007', origin: 'original' });
    truth.skipped.push({ expected: 'unreadable', reason: 'running with permission to read mode-000 files (root?): the chmod 000 file was left readable and counts as a good image' });
  } else {
    add(unreadable, 'unreadable', 'chmod 000');
  }

  await mkdir(at('train/COVID'), { recursive: true });
  await writeFile(at('train/COVID/IM-9008-0001.jpeg'), goodJpeg);
  add('train/COVID', 'unknown-class', 'a class folder that exists in train only');

  const nonUtf8 = Buffer.concat([Buffer.from(`${root}/train/NORMAL/IM-9009-`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpeg')]);
  await writeFile(nonUtf8, goodJpeg);
  add(`train/NORMAL/IM-9009-${Buffer.from([0xff, 0xfe]).toString('utf8')}.jpeg`, 'non-utf8-name', 'file name bytes 0xFF 0xFE are not UTF-8');

  await writeFile(at('train/NORMAL/README.txt'), 'notes from whoever assembled this folder\n');
  add('train/NORMAL/README.txt', 'stray-file', 'a stray text file among the images (a note, not an error)');

  await writeFile(at('train/NORMAL/chest_scan_final.jpeg'), goodJpeg);
  add('train/NORMAL/chest_scan_final.jpeg', 'no-patient-id', 'a good image whose name carries no patient ID');
}

async function isReadable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
