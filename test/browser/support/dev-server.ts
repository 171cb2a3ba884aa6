// Seeds a project like the browser suite does and serves the dashboard on it, for looking at by hand:
//   node --import tsx test/browser/support/dev-server.ts [work-dir-to-reuse]
import { seedProject } from './seed.js';
import { startUiServer } from './ui-server.js';

const reuse = process.argv[2];
const started = Date.now();
const work = reuse ?? (await seedProject()).work;
if (!reuse) process.stderr.write(`seeded ${work} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
const server = await startUiServer(work);
process.stdout.write(`dashboard: ${server.url}/runs (project ${work})\n`);
