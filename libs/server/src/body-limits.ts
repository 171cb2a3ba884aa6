/** MLflow's JSON bodies: MLflow documents 1 MB per request; a little headroom for protobuf-JSON's verbosity. */
export const jsonBodyLimit = 2 * 1024 * 1024;
/** /api/v1 carries whole audit reports (every finding) from `leakproof audit` while a server owns the store. */
export const v1BodyLimit = 64 * 1024 * 1024;
