import type { Listing } from '../list-folders.js';
import { listChexpert } from './chexpert.js';
import { listMimicCxrJpg } from './mimic-cxr.js';
import { listNihCxr14 } from './nih-cxr14.js';
import { listPadchest } from './padchest.js';
import type { PresetConfig, PresetName } from './preset-config.js';
import { listRsnaPneumonia } from './rsna-pneumonia.js';

const listers: Record<PresetName, (root: string, preset: PresetConfig) => Promise<Listing>> = {
  'nih-cxr14': listNihCxr14,
  chexpert: listChexpert,
  'mimic-cxr-jpg': listMimicCxrJpg,
  'rsna-pneumonia': listRsnaPneumonia,
  padchest: listPadchest,
};

/** A public set's own layout and label files → candidates (patient from the set's ID column). */
export function listPreset(root: string, preset: PresetConfig): Promise<Listing> {
  return listers[preset.name](root, preset);
}

export { presetNames, presetConfigSchema, type PresetConfig, type PresetName } from './preset-config.js';
export { padchestLabels } from './padchest.js';
