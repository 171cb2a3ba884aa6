import sharp, { type Region, type Sharp } from 'sharp';
import { createRng, intBetween, uniform, type Rng } from './rng.js';

/**
 * The edits a real near-duplicate leak survives (issue 11.2): each takes a source image and returns an edited
 * copy with a note of what was done. Parameters are drawn from the full range the issue names.
 */
export const nearEditKinds = ['rotate', 'flip', 'pad', 'crop', 'jpeg', 'gamma', 'contrast', 'resize', 'combo'] as const;
export type NearEditKind = (typeof nearEditKinds)[number];
type SingleKind = Exclude<NearEditKind, 'combo'>;

export interface NearEdit {
  bytes: Buffer;
  detail: string;
}

const encode = (image: Sharp): Promise<Buffer> => image.jpeg({ quality: 90 }).toBuffer();

async function gray(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const fromGray = (g: { data: Buffer; width: number; height: number }): Sharp => sharp(g.data, { raw: { width: g.width, height: g.height, channels: 1 } });

async function single(kind: SingleKind, bytes: Buffer, rng: Rng): Promise<NearEdit> {
  const meta = await sharp(bytes).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  switch (kind) {
    case 'rotate': {
      const angle = (rng() < 0.5 ? -1 : 1) * uniform(rng, 0.5, 5);
      // rotate about the centre and keep the canvas (corners filled black), as an editor's "straighten" does
      const rotated = await sharp(bytes).rotate(angle, { background: { r: 0, g: 0, b: 0 } }).toBuffer({ resolveWithObject: true });
      const left = Math.floor((rotated.info.width - w) / 2);
      const top = Math.floor((rotated.info.height - h) / 2);
      return { bytes: await encode(sharp(rotated.data).extract({ left, top, width: w, height: h })), detail: `rotate ${angle.toFixed(2)}°` };
    }
    case 'flip':
      return { bytes: await encode(sharp(bytes).flop()), detail: 'horizontal flip' };
    case 'pad': {
      const fraction = uniform(rng, 0.02, 0.1);
      const white = rng() < 0.5;
      const letterbox = rng() < 0.5;
      const vertical = rng() < 0.5;
      const px = (side: number): number => Math.max(1, Math.round(side * fraction));
      const extend = letterbox
        ? vertical
          ? { top: px(h), bottom: px(h), left: 0, right: 0 }
          : { top: 0, bottom: 0, left: px(w), right: px(w) }
        : { top: px(h), bottom: px(h), left: px(w), right: px(w) };
      const background = white ? { r: 255, g: 255, b: 255 } : { r: 0, g: 0, b: 0 };
      const keepSize = rng() < 0.5;
      let image = sharp(await sharp(bytes).extend({ ...extend, background }).toBuffer());
      if (keepSize) image = image.resize(w, h, { fit: 'fill' });
      return { bytes: await encode(image), detail: `${letterbox ? 'letterbox' : 'pad'} ${(fraction * 100).toFixed(1)}% ${white ? 'white' : 'black'}${keepSize ? ', resized back' : ''}` };
    }
    case 'crop': {
      const fraction = uniform(rng, 0.02, 0.1);
      const side = intBetween(rng, 0, 3);
      const cx = Math.round(w * fraction);
      const cy = Math.round(h * fraction);
      const region = [
        { left: cx, top: 0, width: w - cx, height: h },
        { left: 0, top: 0, width: w - cx, height: h },
        { left: 0, top: cy, width: w, height: h - cy },
        { left: 0, top: 0, width: w, height: h - cy },
      ][side] as Region;
      return { bytes: await encode(sharp(bytes).extract(region)), detail: `crop ${(fraction * 100).toFixed(1)}% from the ${['left', 'right', 'top', 'bottom'][side]}` };
    }
    case 'jpeg': {
      const quality = intBetween(rng, 20, 60);
      return { bytes: await sharp(bytes).jpeg({ quality }).toBuffer(), detail: `JPEG quality ${quality}` };
    }
    case 'gamma': {
      const g = rng() < 0.5 ? uniform(rng, 0.7, 0.9) : uniform(rng, 1.1, 1.4);
      const img = await gray(bytes);
      for (let i = 0; i < img.data.length; i++) img.data[i] = Math.round(255 * ((img.data[i] as number) / 255) ** g);
      return { bytes: await encode(fromGray(img)), detail: `gamma ${g.toFixed(2)}` };
    }
    case 'contrast': {
      const a = rng() < 0.5 ? uniform(rng, 0.7, 0.9) : uniform(rng, 1.1, 1.3);
      return { bytes: await encode(sharp(bytes).linear(a, 128 * (1 - a))), detail: `contrast ×${a.toFixed(2)}` };
    }
    case 'resize': {
      const f = uniform(rng, 0.25, 0.9);
      return { bytes: await encode(sharp(bytes).resize(Math.max(8, Math.round(w * f)), Math.max(8, Math.round(h * f)))), detail: `resize ×${f.toFixed(2)}` };
    }
  }
}

const singles = nearEditKinds.filter((k): k is SingleKind => k !== 'combo');

/** Applies one edit of `kind` (combo: two different single edits in turn) with parameters drawn from `seed`. */
export async function nearEdit(kind: NearEditKind, bytes: Buffer, seed: number): Promise<NearEdit> {
  const rng = createRng(seed);
  if (kind !== 'combo') return single(kind, bytes, rng);
  const first = singles[intBetween(rng, 0, singles.length - 1)] as SingleKind;
  const rest = singles.filter((k) => k !== first);
  const second = rest[intBetween(rng, 0, rest.length - 1)] as SingleKind;
  const a = await single(first, bytes, rng);
  const b = await single(second, a.bytes, rng);
  return { bytes: b.bytes, detail: `${a.detail} + ${b.detail}` };
}
