import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitsConfig } from './auth-config-schema.js';
import { RateLimitedError } from './auth-errors.js';
import { silentLogger, type AuthLogger } from './auth-logger.js';
import type { Caller } from './authenticator.js';

export interface RateLimiterOptions {
  readonly config: RateLimitsConfig;
  /**
   * An ioredis client to keep the counters in, instead of connecting to `config.redis.url`. Whoever
   * passes it owns it: `close()` leaves it open. Give it `enableOfflineQueue: false` and a short
   * `commandTimeout`, as the limiter's own client has, so an outage does not stall admission.
   */
  readonly redis?: Redis;
  readonly logger?: AuthLogger;
}

export interface RateLimiter {
  /** Where the counters live: shared by every process on the same Redis, or this process's memory. */
  readonly backend: 'memory' | 'redis';
  /** Resolves once Redis is connected (at once for memory); rejects on the first connection error. Limits hold either way. */
  ready(): Promise<void>;
  /**
   * At request start: counts one request against the caller's requests per minute, and refuses
   * with 429 `rate_limited` (retry-after set) when that is over or this minute's tokens are spent.
   */
  admit(caller: Caller): Promise<void>;
  /** Whether any limit applies to this caller (false: `admit` and `recordTokens` would do nothing). Synchronous, O(1). */
  applies(caller: Caller): boolean;
  /** After the call: counts the tokens it used, so later requests are refused while the minute's tokens are spent. Never rejects. */
  recordTokens(caller: Caller, tokens: number): Promise<void>;
  /** Quits the Redis client this limiter opened. */
  close(): Promise<void>;
}

type Kind = 'rpm' | 'tpm';

/** The bucket of callers without a key (loopback, while no keys exist). */
const KEYLESS = '-';
const WINDOW_SECONDS = 60;

/**
 * Per-key requests and tokens per minute, with rate-limiter-flexible's fixed window (starting at a
 * key's first request). A key's own limits override `default` field by field; key-less callers get
 * `default` when it is set and are unlimited otherwise.
 *
 * With Redis the counters are shared by every gateway process, updated atomically by a Lua script.
 * Each Redis limiter has an in-memory insurance limiter with the same limits, and is told not to
 * wait for a Redis that is not connected: during an outage each process enforces the limits on its
 * own (looser by the number of processes) instead of refusing everything or letting everything
 * through, and no request waits on a reconnect.
 *
 * One limiter object per kind and distinct limit value, created on first use: a request only looks
 * one up in a Map.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const defaults = config.default;
  const prefix = config.redis?.prefix ?? 'tollgate:rl:';
  const ownsClient = options.redis === undefined && config.redis !== undefined;
  const client = options.redis ?? (config.redis ? connect(config.redis.url) : undefined);
  const limiters: Record<Kind, Map<number, RateLimiterAbstract>> = { rpm: new Map(), tpm: new Map() };

  function connect(url: string): Redis {
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 });
    let down = false;
    redis.on('error', (error: unknown) => {
      if (down) return;
      down = true;
      logger.warn({ err: error }, 'rate limits: Redis unavailable; each process limits on its own until it is back');
    });
    redis.on('ready', () => {
      if (!down) return;
      down = false;
      logger.info({}, 'rate limits: Redis connected again; limits shared');
    });
    return redis;
  }

  function limiter(kind: Kind, points: number): RateLimiterAbstract {
    const found = limiters[kind].get(points);
    if (found) return found;
    // The Redis key names the kind and the caller, not the limit: every process counts into one key.
    const settings = { keyPrefix: `${prefix}${kind}`, points, duration: WINDOW_SECONDS };
    const created = client
      ? new RateLimiterRedis({ ...settings, storeClient: client, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(settings) })
      : new RateLimiterMemory(settings);
    limiters[kind].set(points, created);
    return created;
  }

  return {
    backend: client ? 'redis' : 'memory',
    ready() {
      if (!client || client.status === 'ready') return Promise.resolve();
      return new Promise((resolve, reject) => {
        const onReady = () => {
          client.off('error', onError);
          resolve();
        };
        const onError = (error: unknown) => {
          client.off('ready', onReady);
          reject(error instanceof Error ? error : new Error(String(error)));
        };
        client.once('ready', onReady);
        client.once('error', onError);
      });
    },
    applies(caller) {
      const limits = caller.key?.limits;
      return (limits?.tokensPerMinute ?? defaults?.tokensPerMinute ?? limits?.requestsPerMinute ?? defaults?.requestsPerMinute) !== undefined;
    },
    async admit(caller) {
      const id = caller.keyId ?? KEYLESS;
      const tokensPerMinute = caller.key?.limits?.tokensPerMinute ?? defaults?.tokensPerMinute;
      if (tokensPerMinute !== undefined) {
        const used = await limiter('tpm', tokensPerMinute).get(id);
        if (used && used.consumedPoints >= tokensPerMinute) {
          throw new RateLimitedError(
            'tokens',
            `Rate limit exceeded: ${who(caller)} used ${used.consumedPoints} of ${tokensPerMinute} tokens per minute; retry in ${seconds(used)} s.`,
            retryAfter(used),
          );
        }
      }
      const requestsPerMinute = caller.key?.limits?.requestsPerMinute ?? defaults?.requestsPerMinute;
      if (requestsPerMinute !== undefined) {
        try {
          await limiter('rpm', requestsPerMinute).consume(id);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          throw new RateLimitedError(
            'requests',
            `Rate limit exceeded: ${requestsPerMinute} requests per minute for ${who(caller)}; retry in ${seconds(rejection)} s.`,
            retryAfter(rejection),
          );
        }
      }
    },
    async recordTokens(caller, tokens) {
      const tokensPerMinute = caller.key?.limits?.tokensPerMinute ?? defaults?.tokensPerMinute;
      if (tokensPerMinute === undefined || !(tokens > 0)) return;
      try {
        await limiter('tpm', tokensPerMinute).penalty(caller.keyId ?? KEYLESS, Math.ceil(tokens));
      } catch (error) {
        logger.error({ err: error, keyId: caller.keyId }, 'rate limits: cannot count tokens');
      }
    },
    async close() {
      if (!client || !ownsClient) return;
      if (client.status === 'ready') await client.quit();
      else client.disconnect();
    },
  };
}

function who(caller: Caller): string {
  return caller.key ? `key ${caller.key.name}` : 'key-less local callers';
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(0, res.msBeforeNext) / 1000;
}

function seconds(res: RateLimiterRes): number {
  return Math.ceil(retryAfter(res));
}
