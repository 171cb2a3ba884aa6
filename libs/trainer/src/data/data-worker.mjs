// Worker entry for the decode/augment pool. Workers start without the parent's TypeScript loader
// (vitest, tsx API), so register tsx here before loading the typed task code.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./data-worker-tasks.ts');
export default tasks.runDataTask;
