import type { LedgerTokens } from '../ledger/ledger-record.js';
import { pricePeriodsOf, type ModelPriceConfig, type PricePeriodConfig } from './pricing-config-schema.js';

/**
 * One model's prices resolved into plain numbers, whatever their source, so that pricing a call is
 * a few multiplications: no lookups, no parsing, no allocation beyond the result.
 */

/** USD per million tokens for each counter the ledger keeps apart, plus a flat fee per request. */
export interface Rates {
  readonly input: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly output: number;
  readonly reasoning: number;
  /** USD per request (a few APIs charge one); 0 for token-priced models. */
  readonly perRequest: number;
}

/** The rates for a whole request whose prompt has more than `above` tokens. */
export interface RateTier {
  readonly above: number;
  readonly rates: Rates;
}

/** When a period's prices apply. */
export type PeriodWhen =
  | { readonly kind: 'always' }
  /** From this instant on (epoch ms). */
  | { readonly kind: 'from'; readonly ms: number }
  /** Daily between two UTC times of day (seconds since midnight; wraps past midnight when end < start). */
  | { readonly kind: 'daily'; readonly startSec: number; readonly endSec: number };

export interface RatePeriod {
  readonly when: PeriodWhen;
  readonly base: Rates;
  /** In increasing `above`. */
  readonly tiers: readonly RateTier[];
}

/**
 * All of a model's periods. The period in force at an instant is the LAST one whose condition
 * holds, else the first: the rule @pydantic/genai-prices applies to its conditional prices.
 */
export interface ModelRates {
  readonly periods: readonly [RatePeriod, ...RatePeriod[]];
}

const DAY_MS = 86_400_000;

export function periodAt(rates: ModelRates, at: Date): RatePeriod {
  const periods = rates.periods;
  if (periods.length === 1) return periods[0];
  const ms = at.getTime();
  for (let i = periods.length - 1; i >= 0; i--) {
    const period = periods[i] as RatePeriod;
    const when = period.when;
    if (when.kind === 'always') return period;
    if (when.kind === 'from') {
      if (ms >= when.ms) return period;
    } else {
      const sec = (((ms % DAY_MS) + DAY_MS) % DAY_MS) / 1000;
      const inside = when.endSec < when.startSec ? sec >= when.startSec || sec < when.endSec : sec >= when.startSec && sec < when.endSec;
      if (inside) return period;
    }
  }
  return periods[0];
}

/**
 * The list price of one call. Tiers are chosen by the whole prompt (uncached + cache read + cache
 * write), and each counter is billed once at its own rate: cache tokens are parts of the prompt,
 * never added to it a second time.
 */
export function listPriceUsd(rates: ModelRates, tokens: LedgerTokens, at: Date): number {
  const period = periodAt(rates, at);
  let r = period.base;
  if (period.tiers.length > 0) {
    const prompt = tokens.inputUncached + tokens.cacheRead + tokens.cacheWrite;
    for (const tier of period.tiers) {
      if (prompt > tier.above) r = tier.rates;
      else break;
    }
  }
  return (
    (tokens.inputUncached * r.input +
      tokens.cacheRead * r.cacheRead +
      tokens.cacheWrite * r.cacheWrite +
      tokens.outputText * r.output +
      tokens.outputReasoning * r.reasoning) /
      1e6 +
    r.perRequest
  );
}

/** Rates from a `pricing.models` or config/prices.yaml entry. */
export function modelRatesFromConfig(price: ModelPriceConfig): ModelRates {
  const [first, ...rest] = pricePeriodsOf(price).map(periodFromConfig);
  return { periods: [first as RatePeriod, ...rest] };
}

function periodFromConfig(period: PricePeriodConfig): RatePeriod {
  return {
    when: period.from === null ? { kind: 'always' } : { kind: 'from', ms: Date.parse(`${period.from}T00:00:00Z`) },
    base: ratesFromConfig(period),
    tiers: period.tiers.map((tier) => ({ above: tier.aboveInputTokens, rates: ratesFromConfig(tier) })),
  };
}

function ratesFromConfig(price: { input: number; output: number; cacheRead?: number | undefined; cacheWrite?: number | undefined; reasoning?: number | undefined }): Rates {
  return {
    input: price.input,
    cacheRead: price.cacheRead ?? price.input,
    cacheWrite: price.cacheWrite ?? price.input,
    output: price.output,
    reasoning: price.reasoning ?? price.output,
    perRequest: 0,
  };
}
