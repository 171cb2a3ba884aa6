export * from './manifest-schema.js';
export * from './decode.js';
