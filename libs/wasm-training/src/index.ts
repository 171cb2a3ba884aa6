export { registerWasmTrainingKernels, LEAKPROOF_WASM_KERNELS } from './kernels/register-kernels.js';
export { useWasmBackend, wasmBinaryDir } from './wasm-backend.js';
export { buildCnn4, buildResNetS, buildModel, MODEL_FAMILY, ModelOptionsSchema, type ModelName, type ModelOptions } from './models.js';
export { selectBackend, BackendInfoSchema, BACKEND_PREFERENCES, type BackendInfo, type BackendPreference, type SelectBackendOptions } from './select-backend.js';
export { createDataParallelTrainer, shardSizes, weightsToTensors, type DataParallelTrainer, type DataParallelTrainerOptions, type StepOptions } from './data-parallel/trainer.js';
export { GradientComputer, ModelSpecSchema, LossSpecSchema, buildFromSpec, weightSpecsOf, type ModelSpec, type LossSpec, type WeightSpec, type GradientResult } from './data-parallel/gradient-core.js';
export { FlatAdam, type AdamHyper } from './data-parallel/adam.js';
export { fusedAdamWUpdate, type FusedAdamWHyper } from './kernels/fused-adamw.js';
export { TrainingBatchNormalization, trainingBatchNormalization, batchNormTraining } from './layers/training-batch-norm.js';
