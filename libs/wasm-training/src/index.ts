export { registerWasmTrainingKernels, LEAKPROOF_WASM_KERNELS } from './kernels/register-kernels.js';
export { useWasmBackend, wasmBinaryDir } from './wasm-backend.js';
export { buildCnn4, buildResNetS, buildModel, MODEL_FAMILY, ModelOptionsSchema, type ModelName, type ModelOptions } from './models.js';
export { selectBackend, BackendInfoSchema, BACKEND_PREFERENCES, type BackendInfo, type BackendPreference, type SelectBackendOptions } from './select-backend.js';
