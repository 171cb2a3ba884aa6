import { processContext } from './context.js';
import { runCli } from './program.js';

// The only place that ends the process: commands return data and exit codes.
const code = await runCli(process.argv.slice(2), processContext());
process.exitCode = code;
