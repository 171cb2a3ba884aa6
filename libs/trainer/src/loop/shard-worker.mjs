// Entry of a data-parallel shard worker. Worker threads start without the parent's TypeScript loader
// (vitest, tsx API), so register tsx here before loading the typed worker code.
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
