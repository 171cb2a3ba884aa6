import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://ann:s3cret@db:5432/reg')).toBe('postgres://ann:***@db:5432/reg');
    expect(redactUrl('postgres://db/reg')).toBe('postgres://db/reg');
  });
  it('never echoes a URL it cannot parse (it may hold a password)', () => {
    expect(redactUrl('postgres://ann:s3cret@db:port/reg')).toBe('(unparseable DATABASE_URL)');
  });
});
