import { describe, expect, it } from 'vitest';
import { GatewayError, type RetryPolicy } from '../core/index.js';
import { backoffDelay, retryDelay } from './backoff.js';

const policy: RetryPolicy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe('backoffDelay', () => {
  it('doubles its ceiling each retry up to maxDelayMs', () => {
    const almostOne = () => 0.9999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('is jittered over the whole range [0, ceiling)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(3, policy, Math.random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });
});

describe('retryDelay', () => {
  const error = (retryAfterSeconds?: number) => new GatewayError(429, 'rate_limited', 'slow down', true, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });

  it('uses the upstream retry-after when given', () => {
    expect(retryDelay(error(2), 1, policy, () => 0.5)).toBe(2000);
    expect(retryDelay(error(0), 1, policy, () => 0.5)).toBe(0);
  });

  it('gives up on a retry-after longer than maxRetryAfterMs', () => {
    expect(retryDelay(error(5), 1, policy, () => 0.5)).toBe(5000);
    expect(retryDelay(error(5.001), 1, policy, () => 0.5)).toBeUndefined();
  });

  it('falls back to the jittered backoff without retry-after', () => {
    expect(retryDelay(error(), 2, policy, () => 0.5)).toBe(100);
  });
});
