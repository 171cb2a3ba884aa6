export { generateSyntheticDataset, type SynthOptions } from './generate.js';
export * from './ground-truth.js';
export { pngBomb } from './png-bomb.js';
export { kermanyId, strictId, type Series } from './patients.js';
