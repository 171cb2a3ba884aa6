// Worker threads do not inherit the parent's TypeScript loader (tsx in the CLI, Vite in Vitest),
// so each worker registers tsx itself before importing the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./hash-worker.ts');
export default worker.default;
