import { FilterSyntaxError } from '@leakproof/registry';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, toApiError } from './errors.js';
import { safeSegments } from './mlflow/artifact-files.js';
import { parseRunId } from './mlflow/ids.js';
import { findNul } from './request-guards.js';

describe('artifact path segments', () => {
  it('keeps plain relative paths', () => {
    expect(safeSegments('')).toEqual([]);
    expect(safeSegments('plots/roc.png')).toEqual(['plots', 'roc.png']);
    expect(safeSegments('model/')).toEqual(['model']);
  });
  it.each(['../x', 'a/../../x', './x', 'a//b', '/etc/passwd', 'a\\..\\b', 'a\0b', '..'])('refuses %j', (path) => {
    expect(() => safeSegments(path)).toThrow(ApiError);
  });
});

describe('request guards', () => {
  it('finds NUL characters in nested keys and values, naming where', () => {
    expect(findNul({ a: [{ b: 'ok' }, { c: 'x\0' }] })).toBe('a[1].c');
    expect(findNul({ ['k\0']: 1 })).toBe('(key)');
    expect(findNul({ a: 'fine', n: 1, z: null })).toBeUndefined();
  });
  it('accepts only plain decimal run ids', () => {
    expect(parseRunId('42')).toBe(42);
    for (const id of ['0', '042', '1e3', '0x1', '-1', '4294967296', 'abc', ' 1']) expect(() => parseRunId(id), id).toThrow(/not found/);
  });
});

describe('error mapping', () => {
  it('maps user errors to 4xx and leaves internal errors unmapped', () => {
    expect(toApiError(new FilterSyntaxError('metrics.x >', 12, 'expected a number'))).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(toApiError(z.object({ a: z.number() }).safeParse({ a: 'x' }).error)).toMatchObject({ status: 400, message: expect.stringContaining('a:') });
    expect(toApiError(Object.assign(new Error('run 9 does not exist'), { userFacing: true }))).toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(toApiError(Object.assign(new Error('too big'), { statusCode: 413 }))).toMatchObject({ status: 413, errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect(toApiError(new Error('boom'))).toBeUndefined();
  });
});
