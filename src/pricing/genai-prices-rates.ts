import { calcPrice, type ConditionalPrice, type ModelInfo, type ModelPrice, type TieredPrices } from '@pydantic/genai-prices';
import type { ModelRates, PeriodWhen, RatePeriod, RateTier, Rates } from './model-rates.js';

/**
 * @pydantic/genai-prices as a source of ModelRates. Its model matching (prefixes, regexes, dated
 * snapshots) is used once per model through the public calcPrice; its price data is then turned
 * into plain rates. Its usage model nests counters (`input_tokens` includes cache reads and
 * writes; `output_tokens` includes reasoning) and bills each leaf once: a counter without its own
 * price falls into its parent's, so cache reads on a model without a cache price cost the input
 * price. The rates below reproduce that, so listPriceUsd equals calcPrice for text tokens.
 */

/** The model's rates, or undefined when the package does not know it (or prices it by something other than tokens). */
export function genaiPricesRates(providerId: string, model: string): ModelRates | undefined {
  const found = calcPrice({}, model, { providerId });
  if (found === null) return undefined;
  return modelRatesFromGenai(found.model.prices);
}

export function modelRatesFromGenai(prices: ModelInfo['prices']): ModelRates | undefined {
  const conditional: readonly ConditionalPrice[] = Array.isArray(prices) ? prices : [{ prices }];
  const periods: RatePeriod[] = [];
  for (const entry of conditional) {
    const period = periodFromGenai(entry);
    if (period === undefined) return undefined;
    periods.push(period);
  }
  const [first, ...rest] = periods;
  return first === undefined ? undefined : { periods: [first, ...rest] };
}

type PriceValue = number | TieredPrices | undefined;

function periodFromGenai(entry: ConditionalPrice): RatePeriod | undefined {
  const price: ModelPrice = entry.prices;
  // Not a token-priced model (audio hours, a free moderation endpoint): not ours to price.
  if (price.input_mtok === undefined && price.output_mtok === undefined) return undefined;
  const thresholds = [...new Set(Object.values(price).flatMap((value) => (isTiered(value) ? value.tiers.map((tier) => tier.start) : [])))].sort((a, b) => a - b);
  const ratesAbove = (prompt: number): Rates => {
    const input = valueAbove(price.input_mtok, prompt) ?? 0;
    const output = valueAbove(price.output_mtok, prompt) ?? 0;
    return {
      input,
      cacheRead: valueAbove(price.cache_read_mtok, prompt) ?? input,
      cacheWrite: valueAbove(price.cache_write_mtok, prompt) ?? input,
      output,
      reasoning: valueAbove(price.output_reasoning_mtok, prompt) ?? output,
      perRequest: (valueAbove(price.requests_kcount, prompt) ?? 0) / 1000,
    };
  };
  const tiers: RateTier[] = thresholds.map((above) => ({ above, rates: ratesAbove(above) }));
  return { when: whenOf(entry.constraint), base: ratesAbove(0), tiers };
}

/**
 * The price for a prompt just above `threshold` tokens: the last tier whose start is at or below
 * it (the package bills a tier when the prompt is strictly greater than its start).
 */
function valueAbove(value: PriceValue, threshold: number): number | undefined {
  if (!isTiered(value)) return value;
  let price = value.base;
  for (const tier of [...value.tiers].sort((a, b) => a.start - b.start)) {
    if (tier.start <= threshold) price = tier.price;
  }
  return price;
}

function isTiered(value: unknown): value is TieredPrices {
  return typeof value === 'object' && value !== null && 'base' in value && 'tiers' in value && Array.isArray(value.tiers);
}

/** The package's raw data may omit `type` on a constraint; the field names say which kind it is. */
function whenOf(constraint: ConditionalPrice['constraint']): PeriodWhen {
  if (constraint === undefined) return { kind: 'always' };
  if ('start_date' in constraint) return { kind: 'from', ms: Date.parse(constraint.start_date) };
  return { kind: 'daily', startSec: secondsOfDayUtc(constraint.start_time), endSec: secondsOfDayUtc(constraint.end_time) };
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → seconds after UTC midnight, as the package reads it. */
export function secondsOfDayUtc(time: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!match) throw new Error(`genai-prices: invalid time of day '${time}'`);
  const [, h, m, s, fraction = '', zone, sign, zh = '0', zm = '0'] = match;
  const local = Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(`0${fraction}`);
  const offset = zone === 'Z' ? 0 : (sign === '+' ? 1 : -1) * (Number(zh) * 60 + Number(zm)) * 60;
  return (local - offset + 86_400) % 86_400;
}
