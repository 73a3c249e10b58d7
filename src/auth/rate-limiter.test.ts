import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredKey } from '../ledger/ledger-store.js';
import { startRedis, type RunningRedis } from '../test-support/redis.js';
import { rateLimitsConfigSchema, type RateLimitsConfigInput } from './auth-config-schema.js';
import { RateLimitedError } from './auth-errors.js';
import type { AuthLogger } from './auth-logger.js';
import type { Caller } from './authenticator.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';

function caller(id: string, limits: StoredKey['limits'] = null): Caller {
  const key: StoredKey = { id, name: id.replace('key_', ''), team: null, hash: id, prefix: 'tg_x', createdAt: 0, revokedAt: null, budget: null, limits };
  return { keyId: id, team: null, key };
}
const KEYLESS: Caller = { keyId: null, team: null };

async function refusal(promise: Promise<unknown>): Promise<RateLimitedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitedError);
  return error as RateLimitedError;
}

async function admitTimes(limiter: RateLimiter, who: Caller, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await limiter.admit(who);
}

let redis: RunningRedis;
let prefixSeq = 0;
const open: RateLimiter[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((limiter) => limiter.close()));
});

afterAll(async () => {
  await redis?.stop();
});

/** The same behaviour, counters in memory or in a real Redis (a fresh key prefix per limiter group). */
const backends = {
  memory: async (config: RateLimitsConfigInput) => track(createRateLimiter({ config: rateLimitsConfigSchema.parse(config) })),
  redis: async (config: RateLimitsConfigInput, prefix = `test${++prefixSeq}:`) => {
    const limiter = track(createRateLimiter({ config: rateLimitsConfigSchema.parse({ ...config, redis: { url: redis.url, prefix } }) }));
    await limiter.ready();
    return limiter;
  },
};

function track(limiter: RateLimiter): RateLimiter {
  open.push(limiter);
  return limiter;
}

describe.each(Object.entries(backends))('rate limiter (%s)', (backend, create) => {
  it('reports its backend', async () => {
    expect((await create({})).backend).toBe(backend);
  });

  it('refuses requests over the per-minute limit with 429 rate_limited and retry-after', async () => {
    const limiter = await create({});
    const ci = caller('key_ci', { requestsPerMinute: 3 });
    await admitTimes(limiter, ci, 3);
    const error = await refusal(limiter.admit(ci));
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', isRetryable: true, limit: 'requests' });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(error.message).toMatch(/^Rate limit exceeded: 3 requests per minute for key ci; retry in \d+ s\.$/);
  });

  it('counts each key apart; a key with its own limits overrides the default field by field', async () => {
    const limiter = await create({ default: { requestsPerMinute: 2, tokensPerMinute: 100 } });
    const own = caller('key_own', { requestsPerMinute: 4 });
    const plain = caller('key_plain');
    await admitTimes(limiter, own, 4);
    await refusal(limiter.admit(own));
    await admitTimes(limiter, plain, 2);
    await refusal(limiter.admit(plain));

    const tokens = caller('key_tokens', { requestsPerMinute: 100 }); // no tokensPerMinute of its own: the default's 100
    await limiter.recordTokens(tokens, 100);
    expect((await refusal(limiter.admit(tokens))).limit).toBe('tokens');
  });

  it('refuses while the minute’s tokens are spent, counting what calls actually used', async () => {
    const limiter = await create({});
    const ci = caller('key_ci', { requestsPerMinute: 10, tokensPerMinute: 1_000 });
    await limiter.admit(ci);
    await limiter.recordTokens(ci, 600);
    await limiter.admit(ci); // 600 of 1,000 spent: still admitted
    await limiter.recordTokens(ci, 450.5); // a call may overshoot; the next one waits
    const error = await refusal(limiter.admit(ci));
    expect(error).toMatchObject({ limit: 'tokens', code: 'rate_limited' });
    expect(error.message).toMatch(/^Rate limit exceeded: key ci used 1051 of 1000 tokens per minute; retry in \d+ s\.$/);
  });

  it('key-less (loopback) callers are unlimited unless a default is set', async () => {
    const unlimited = await create({});
    await admitTimes(unlimited, KEYLESS, 50);
    await unlimited.recordTokens(KEYLESS, 1e9);
    await unlimited.admit(KEYLESS);

    const limited = await create({ default: { requestsPerMinute: 2 } });
    await admitTimes(limited, KEYLESS, 2);
    expect((await refusal(limited.admit(KEYLESS))).message).toMatch(/^Rate limit exceeded: 2 requests per minute for key-less local callers; retry in \d+ s\.$/);
  });

  it('ignores token counts that are zero or unknown', async () => {
    const limiter = await create({});
    const ci = caller('key_ci', { tokensPerMinute: 10 });
    await limiter.recordTokens(ci, 0);
    await limiter.recordTokens(ci, Number.NaN);
    await limiter.admit(ci);
  });
});

describe('rate limiter (memory): the window', () => {
  it('a new minute admits again', async () => {
    vi.useFakeTimers(); // rate-limiter-flexible reads Date.now and expires with setTimeout
    const limiter = await backends.memory({});
    const ci = caller('key_ci', { requestsPerMinute: 1, tokensPerMinute: 10 });
    await limiter.admit(ci);
    await limiter.recordTokens(ci, 10);
    await refusal(limiter.admit(ci));
    vi.advanceTimersByTime(60_000);
    await limiter.admit(ci);
  });
});

describe('rate limiter (redis): shared between processes', () => {
  it('two gateway processes on one Redis enforce one limit', async () => {
    const prefix = `shared${++prefixSeq}:`;
    const [first, second] = await Promise.all([backends.redis({}, prefix), backends.redis({}, prefix)]);
    const ci = caller('key_ci', { requestsPerMinute: 4, tokensPerMinute: 500 });
    await admitTimes(first, ci, 2);
    await admitTimes(second, ci, 2);
    await refusal(first.admit(ci));
    await refusal(second.admit(ci));

    const other = caller('key_other', { tokensPerMinute: 500 });
    await first.recordTokens(other, 500);
    expect((await refusal(second.admit(other))).limit).toBe('tokens');
  });

  it('keeps its counters in Redis under the configured prefix', async () => {
    const limiter = await backends.redis({}, 'inspect:');
    const ci = caller('key_ci', { requestsPerMinute: 5, tokensPerMinute: 50 });
    await limiter.admit(ci);
    await limiter.recordTokens(ci, 57);
    await refusal(limiter.admit(ci));
    const client = new Redis(redis.url);
    try {
      expect((await client.keys('inspect:*')).sort()).toEqual(['inspect:rpm:key_ci', 'inspect:tpm:key_ci']);
      expect(await client.get('inspect:tpm:key_ci')).toBe('57');
      expect(await client.get('inspect:rpm:key_ci')).toBe('1'); // refused for tokens: no request counted
      expect(await client.pttl('inspect:rpm:key_ci')).toBeGreaterThan(55_000);
    } finally {
      await client.quit();
    }
  });

  it('when Redis goes away, each process keeps enforcing the limits on its own', async () => {
    const own = await startRedis();
    const warnings: string[] = [];
    const logger: AuthLogger = { info() {}, warn: (_fields, message) => warnings.push(message), error() {} };
    const limiter = track(createRateLimiter({ config: rateLimitsConfigSchema.parse({ redis: { url: own.url } }), logger }));
    await limiter.ready();
    await own.stop();
    await vi.waitFor(() => expect(warnings).toEqual(['rate limits: Redis unavailable; each process limits on its own until it is back']));
    const ci = caller('key_ci', { requestsPerMinute: 2 });
    await admitTimes(limiter, ci, 2);
    await refusal(limiter.admit(ci));
  });

  it('an unreachable Redis: ready() says so, and limits still hold in this process', async () => {
    const gone = await startRedis();
    await gone.stop();
    const limiter = track(createRateLimiter({ config: rateLimitsConfigSchema.parse({ redis: { url: gone.url } }) }));
    await expect(limiter.ready()).rejects.toThrow(/ECONNREFUSED/);
    const ci = caller('key_ci', { requestsPerMinute: 1 });
    await limiter.admit(ci);
    await refusal(limiter.admit(ci));
  });

  it('close() quits the client it opened and leaves a client it was given open', async () => {
    const given = new Redis(redis.url, { enableOfflineQueue: false });
    await new Promise((resolve) => given.once('ready', resolve));
    const borrowing = createRateLimiter({ config: rateLimitsConfigSchema.parse({}), redis: given });
    expect(borrowing.backend).toBe('redis');
    await borrowing.admit(caller('key_ci', { requestsPerMinute: 5 }));
    await borrowing.close();
    expect(given.status).toBe('ready');
    await given.quit();

    const observer = new Redis(redis.url);
    const clients = async () => String(await observer.client('LIST')).trim().split('\n').length;
    try {
      const before = await clients();
      const owning = createRateLimiter({ config: rateLimitsConfigSchema.parse({ redis: { url: redis.url } }) });
      await owning.ready();
      expect(await clients()).toBe(before + 1);
      await owning.close();
      await vi.waitFor(async () => expect(await clients()).toBe(before));
    } finally {
      await observer.quit();
    }
  });
});
