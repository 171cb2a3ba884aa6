import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ExitCode, exitCodeFor, UserError } from './errors.js';
import { commaList, flagName, flagOption, negatableFlag, optionalText, parseOptions, positiveIntOption, stringList, textOption, wholeNumberOption } from './options.js';

const schema = z.object({
  shardSize: positiveIntOption(500),
  config: optionalText(),
  split: textOption('test'),
  all: flagOption(),
  cache: negatableFlag(),
  set: stringList(),
  queues: commaList('audit,train'),
});

function failure(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('parseOptions', () => {
  it('fills every default when no flag is given', () => {
    expect(parseOptions(schema, {})).toEqual({ shardSize: 500, split: 'test', all: false, cache: true, set: [], queues: ['audit', 'train'] });
  });

  it("reads commander's values into typed ones", () => {
    const opts = parseOptions(schema, { shardSize: '20', config: 'exp.json', all: true, cache: false, set: ['epochs=3'], queues: 'audit,' });
    expect(opts).toMatchObject({ shardSize: 20, config: 'exp.json', all: true, cache: false, set: ['epochs=3'], queues: ['audit'] });
  });

  it('names a malformed whole number by its --kebab-case flag, with the fix, as a usage error (exit 2)', () => {
    for (const bad of ['x', '0', '-3', '2.5']) {
      const error = failure(() => parseOptions(schema, { shardSize: bad }));
      expect(error.message).toBe(`--shard-size must be a positive whole number, got '${bad}'`);
      expect(error.hint).toBe('e.g. --shard-size 20');
      expect(exitCodeFor(error)).toBe(ExitCode.error);
    }
  });

  it('says which flag is missing its value', () => {
    const error = failure(() => parseOptions(z.object({ orderBy: z.string() }), {}));
    expect(error.message).toBe('missing --order-by');
  });

  it('names the flag of a value of the wrong type', () => {
    const error = failure(() => parseOptions(schema, { config: true }));
    expect(error.message).toMatch(/^--config: /);
  });

  it('checks a bounded whole number and keeps its own hint', () => {
    const port = z.object({ port: wholeNumberOption(5000, 0, 65_535, 'e.g. {flag} 5000 (0: any free port)') });
    expect(parseOptions(port, {}).port).toBe(5000);
    expect(parseOptions(port, { port: '0' }).port).toBe(0);
    const error = failure(() => parseOptions(port, { port: '70000' }));
    expect(error.message).toBe("--port must be a whole number from 0 to 65535, got '70000'");
    expect(error.hint).toBe('e.g. --port 5000 (0: any free port)');
  });

  it('turns camelCase keys into flags', () => {
    expect(flagName('valPredictions')).toBe('--val-predictions');
    expect(flagName('limit')).toBe('--limit');
  });
});
