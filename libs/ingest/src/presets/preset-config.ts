import { z } from 'zod';

export const presetNames = ['nih-cxr14', 'chexpert', 'mimic-cxr-jpg', 'rsna-pneumonia', 'padchest'] as const;
export type PresetName = (typeof presetNames)[number];

const presetObjectSchema = z
  .object({
    name: z.enum(presetNames),
    /** the finding that makes an image positive, in the set's own vocabulary (default: its pneumonia label) */
    positive: z.string().min(1).optional(),
    /** negatives: `no-finding` = only images labelled normal / No Finding; `rest` = every image without the positive finding */
    negative: z.enum(['no-finding', 'rest']).default('no-finding'),
    /** CheXpert/MIMIC uncertain (-1) labels of the positive finding */
    uncertain: z.enum(['exclude', 'positive', 'negative']).default('exclude'),
    /** the project's binary classes the mapping produces */
    positiveClass: z.string().min(1).default('PNEUMONIA'),
    negativeClass: z.string().min(1).default('NORMAL'),
    /** MIMIC-CXR-JPG: which labeler's CSV to read */
    labeler: z.enum(['chexpert', 'negbio']).default('chexpert'),
  })
  .strict();

/** `"preset": "nih-cxr14"` or `"preset": { "name": "nih-cxr14", "positive": "Effusion", … }` */
export const presetConfigSchema = z.preprocess((value) => (typeof value === 'string' ? { name: value } : value), presetObjectSchema);
export type PresetConfig = z.infer<typeof presetObjectSchema>;
