import { InterruptedError, LeakproofError, ProblemFoundError } from '@leakproof/core';
import { PolicyError } from '@leakproof/audit';
import { EvaluationInputError } from '@leakproof/evaluator';
import { IngestUserError } from '@leakproof/ingest';
import { RegistryError } from '@leakproof/registry';
import { ImageDecodeError, ModelLoadError, TrainConfigError, TrainDataError } from '@leakproof/trainer';
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor, isUserFacing, ProblemError, UserError } from './errors.js';

describe('error classes → exit codes', () => {
  it('recognises every library user error by class, not by name', () => {
    const errors = [
      new PolicyError('p'),
      new EvaluationInputError('e'),
      new IngestUserError('i'),
      new RegistryError('r', undefined, 'LP012'),
      new TrainConfigError('t'),
      new TrainDataError('d'),
      new ModelLoadError('m'),
      new ImageDecodeError([{ path: 'a.png', message: 'truncated' }]),
      new UserError('u'),
    ];
    for (const error of errors) {
      expect(error, error.name).toBeInstanceOf(LeakproofError);
      expect(isUserFacing(error)).toBe(true);
      expect(exitCodeFor(error)).toBe(ExitCode.error);
    }
    // a plain Error named like a library error is an internal error now
    expect(isUserFacing(Object.assign(new Error('x'), { name: 'RegistryError' }))).toBe(false);
  });

  it('maps problems to 1 and a second Ctrl-C to 130', () => {
    expect(new ProblemError('leak')).toBeInstanceOf(ProblemFoundError);
    expect(exitCodeFor(new ProblemError('leak'))).toBe(ExitCode.problem);
    expect(exitCodeFor(new InterruptedError('stopped'))).toBe(130);
    expect(exitCodeFor(new Error('bug'))).toBe(ExitCode.error);
  });
});
