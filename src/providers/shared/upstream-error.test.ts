import { describe, expect, it } from 'vitest';
import { flattenHeaders } from './upstream-error.js';

describe('flattenHeaders', () => {
  it('returns undici’s own object when every value is one string (no copy per answer)', () => {
    const headers = { 'content-type': 'application/json', 'x-request-id': 'req_1' };
    expect(flattenHeaders(headers)).toBe(headers);
  });

  it('joins repeated headers and drops absent ones into a new object', () => {
    const headers = { 'set-cookie': ['a=1', 'b=2'], 'x-request-id': 'req_1', 'retry-after': undefined };
    const flat = flattenHeaders(headers);
    expect(flat).toEqual({ 'set-cookie': 'a=1, b=2', 'x-request-id': 'req_1' });
    expect(flat).not.toBe(headers);
  });
});
