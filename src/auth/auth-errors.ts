import { GatewayError } from '../core/index.js';

/**
 * The access errors with the fields a dashboard or log wants. Their codes are in the core
 * catalogue (`budget_exceeded`, `rate_limited`); authentication uses core's AuthenticationError.
 */

export type BudgetScope = 'key' | 'team' | 'global';
export type BudgetPeriod = 'day' | 'month';

/**
 * A hard budget is spent. 402 Payment Required, not 429: every client treats 429 as "slow down and
 * retry" (the official SDKs retry it twice, generic HTTP clients with backoff), while no waiting
 * helps until the period ends. 402 is retried by nobody, the Anthropic SDK knows it as
 * `billing_error`, and OpenAI-dialect clients still get `type: insufficient_quota` in the body.
 */
export class BudgetExceededError extends GatewayError {
  readonly scope: BudgetScope;
  /** The key id or team name; null for the global budget. */
  readonly scopeId: string | null;
  readonly period: BudgetPeriod;
  readonly limitUsd: number;
  readonly spentUsd: number;
  /** When the period ends and the budget is available again, epoch ms. */
  readonly resetsAt: number;

  constructor(init: {
    scope: BudgetScope;
    scopeId: string | null;
    period: BudgetPeriod;
    limitUsd: number;
    spentUsd: number;
    resetsAt: number;
    message: string;
  }) {
    super(402, 'budget_exceeded', init.message, false);
    this.scope = init.scope;
    this.scopeId = init.scopeId;
    this.period = init.period;
    this.limitUsd = init.limitUsd;
    this.spentUsd = init.spentUsd;
    this.resetsAt = init.resetsAt;
  }
}

/** Over a requests- or tokens-per-minute limit: 429 with retry-after, retryable. */
export class RateLimitedError extends GatewayError {
  readonly limit: 'requests' | 'tokens';
  constructor(limit: 'requests' | 'tokens', message: string, retryAfterSeconds: number) {
    super(429, 'rate_limited', message, true, { retryAfterSeconds });
    this.limit = limit;
  }
}
