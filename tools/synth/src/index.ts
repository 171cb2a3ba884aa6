export { generateSyntheticDataset, type SynthOptions } from './generate.js';
export * from './ground-truth.js';
export { pngBomb } from './png-bomb.js';
export { kermanyId, strictId, type Series } from './patients.js';
export { nearEdit, nearEditKinds, type NearEdit, type NearEditKind } from './near-edits.js';
export { plantNearPairs, plantedNearPairSchema, type PlantedNearPair, type PlantNearOptions } from './plant-near.js';
