export {
  trainConfigSchema,
  augmentationSchema,
  oneCycleSchema,
  earlyStoppingSchema,
  fineTuneSchema,
  modelChoiceSchema,
  loadTrainConfig,
  parseRecordedTrainConfig,
  parseTrainConfig,
  applyOverrides,
  TrainConfigError,
  type TrainConfig,
  type TrainConfigInput,
  type LoadedTrainConfig,
  type ModelChoice,
} from './config.js';
export { train, configDigest, type TrainOptions, type TrainResult, type TrainCallbacks, type StepInfo } from './train.js';
export { predict, type PredictOptions, type ImagePrediction } from './predict.js';
export { lrFind, type LrFindOptions, type LrFindResult } from './lr-find.js';
export { suggestLr, type LrFindPoint, type LrSuggestion } from './loop/lr-range-test.js';
export { oneCycleAt, oneCycleSchedule, type OneCycleOptions, type ScheduleValue } from './one-cycle.js';
export type { EpochMetrics } from './loop/val-metrics.js';
export { trainingThreads, type BackendInfo } from './backend.js';
export { TrainDataError } from './data/dataset.js';
export { ImageDecodeError } from './data/image-pool.js';
export { ModelLoadError } from './model/build-model.js';
export { fsIOHandler } from './model/fs-io-handler.js';
export { PREPROCESSING_FILE, type Preprocessing } from './model/saved-model.js';
