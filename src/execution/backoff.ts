import type { GatewayError, RetryPolicy } from '../core/index.js';

/**
 * Exponential backoff with full jitter: a uniform wait in [0, min(max, base · 2^(n-1))).
 * Full jitter spreads the retries of many callers that failed together (a restarting GPU box)
 * instead of letting them stampede back in lock-step.
 *
 * @param retryNumber 1 for the first retry on a target, 2 for the second, …
 */
export function backoffDelay(retryNumber: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
  return Math.floor(random() * ceiling);
}

/**
 * How long to wait before retrying after `error`: the upstream's retry-after when it sent one
 * (it knows its own recovery time better than our backoff does), else the jittered backoff.
 * Undefined when the upstream asks for longer than `maxRetryAfterMs`: waiting that long on one
 * target is worse than moving on to the next.
 */
export function retryDelay(error: GatewayError, retryNumber: number, policy: RetryPolicy, random: () => number): number | undefined {
  if (error.retryAfterSeconds !== undefined) {
    const ms = error.retryAfterSeconds * 1000;
    return ms > policy.maxRetryAfterMs ? undefined : ms;
  }
  return backoffDelay(retryNumber, policy, random);
}
