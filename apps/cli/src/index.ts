export { runCli, buildProgram } from './program.js';
export { processContext, type CliContext } from './context.js';
export { ExitCode, UserError } from './errors.js';
export type { CommandResult, Format } from './output.js';
