import { InterruptedError } from '@leakproof/core';
import { Command, CommanderError } from 'commander';
import { commandTable, dataOptions, type CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { ExitCode, exitCodeFor, isUserFacing } from './errors.js';
import { optionalText, parseOptions } from './options.js';
import { emit, parseFormat, renderResult, requireFormat, requireOutputFolder, requireOutputOutsideDataset } from './output.js';
import { z } from 'zod';

/** --format and --output, which every data command takes; read here, before the command runs. */
const dataOptionsSchema = z.object({ format: optionalText(), output: optionalText() });

export interface Outcome {
  exitCode: number;
}

function addCommand(root: Command, spec: CommandSpec, ctx: CliContext, outcome: Outcome): void {
  let parent = root;
  for (const word of spec.path.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word).description(`${word} commands`);
  }
  const cmd = parent.command(spec.path[spec.path.length - 1] as string).description(spec.description);
  for (const arg of spec.args ?? []) cmd.argument(arg);
  for (const opt of [...(spec.options ?? []), ...(spec.data ? dataOptions : [])]) {
    const description = opt.flags.startsWith('--format') && spec.formats ? spec.formats.join(' | ') : opt.description;
    cmd.option(opt.flags, description, opt.default);
  }
  cmd.action(async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const opts = command.opts<Record<string, unknown>>();
    const args = command.args;
    const data = parseOptions(dataOptionsSchema, opts);
    const format = parseFormat(data.format);
    if (spec.data && spec.formats) requireFormat(spec.path.join(' '), format, spec.formats);
    if (spec.data && data.output !== undefined) await requireOutputFolder(ctx.cwd, data.output);
    if (spec.datasetArg && data.output !== undefined && args[0] !== undefined) await requireOutputOutsideDataset(ctx.cwd, data.output, args[0]);
    const { run } = await spec.load();
    const res = await run(ctx, args, opts);
    if (spec.data) await emit(renderResult(res, format), ctx.stdout, ctx.cwd, data.output);
    else if (res.render?.table) await emit(renderResult(res, 'table'), ctx.stdout, ctx.cwd);
    outcome.exitCode = res.exitCode;
  });
}

/** Builds the commander program; commands write to ctx streams and record their exit code in `outcome`. */
export function buildProgram(ctx: CliContext, outcome: Outcome): Command {
  const program = new Command('leakproof')
    .description('Prove your train/val/test splits do not leak, then train, evaluate and track experiments tied to a verified split.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  for (const spec of commandTable) addCommand(program, spec, ctx, outcome);
  return program;
}

/** Runs argv (without node and script) and returns the exit code; never throws, never exits the process. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const outcome: Outcome = { exitCode: ExitCode.ok };
  const program = buildProgram(ctx, outcome);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    return reportError(error, ctx);
  }
}

function reportError(error: unknown, ctx: CliContext): number {
  if (error instanceof CommanderError) {
    // help and version are "errors" to commander; they exit 0
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.error;
  }
  if (isUserFacing(error)) {
    const hint = error.hint;
    const label = error instanceof InterruptedError ? 'next' : 'fix';
    ctx.stderr.write(`leakproof: ${error.message}\n${hint ? `  ${label}: ${hint}\n` : ''}`);
    return exitCodeFor(error);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  ctx.stderr.write(`leakproof: internal error (please report it):\n${detail}\n`);
  return ExitCode.error;
}
