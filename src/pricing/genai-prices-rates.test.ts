import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import type { LedgerTokens } from '../ledger/ledger-record.js';
import { genaiPricesRates, modelRatesFromGenai, secondsOfDayUtc } from './genai-prices-rates.js';
import { listPriceUsd } from './model-rates.js';

const USAGES: LedgerTokens[] = [
  { inputUncached: 3_000, cacheRead: 0, cacheWrite: 0, outputText: 500, outputReasoning: 0, estimated: false },
  { inputUncached: 2_000, cacheRead: 50_000, cacheWrite: 10_000, outputText: 800, outputReasoning: 300, estimated: false },
  // Above every long-context threshold in the data (128k, 200k, 272k).
  { inputUncached: 150_000, cacheRead: 100_000, cacheWrite: 30_000, outputText: 2_000, outputReasoning: 0, estimated: false },
];
const INSTANTS = ['2025-01-01T00:00:00Z', '2026-03-14T02:00:00Z', '2026-11-25T12:00:00Z', '2026-11-25T20:00:00Z'].map((iso) => new Date(iso));

describe('rates from @pydantic/genai-prices', () => {
  it('reproduce calcPrice for every token-priced model of every provider in the package', async () => {
    const providers = (await waitForUpdate()) ?? [];
    let compared = 0;
    const mismatches: string[] = [];
    for (const provider of providers) {
      for (const model of provider.models) {
        const rates = genaiPricesRates(provider.id, model.id);
        if (rates === undefined) continue;
        for (const t of USAGES) {
          for (const at of INSTANTS) {
            const usage = {
              input_tokens: t.inputUncached + t.cacheRead + t.cacheWrite,
              cache_read_tokens: t.cacheRead,
              cache_write_tokens: t.cacheWrite,
              output_tokens: t.outputText + t.outputReasoning,
              output_reasoning_tokens: t.outputReasoning,
            };
            const expected = calcPrice(usage, model.id, { providerId: provider.id, timestamp: at });
            // A model id that another entry's pattern claims first is compared under that entry.
            if (expected === null || expected.model.id !== model.id) continue;
            const actual = listPriceUsd(rates, t, at);
            compared++;
            if (Math.abs(actual - expected.total_price) > 1e-12 * Math.max(1, expected.total_price)) {
              mismatches.push(`${provider.id}/${model.id} at ${at.toISOString()}: ${actual} ≠ ${expected.total_price}`);
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(10_000);
  });

  it('are undefined for a model the package does not know, or prices by something other than tokens', () => {
    expect(genaiPricesRates('anthropic', 'claude-haiku-5-5')).toBeUndefined();
    expect(genaiPricesRates('openai', 'whisper-1')).toBeUndefined();
    expect(genaiPricesRates('openai', 'moderation')).toBeUndefined();
  });

  it('follow time-of-day prices (off-peak windows wrap past midnight)', () => {
    const rates = modelRatesFromGenai([
      { prices: { input_mtok: 1, output_mtok: 2 } },
      { constraint: { type: 'time_of_date', start_time: '22:00:00Z', end_time: '06:00:00Z' }, prices: { input_mtok: 0.5, output_mtok: 1 } },
    ]);
    if (rates === undefined) throw new Error('expected rates');
    const million = { inputUncached: 1_000_000, cacheRead: 0, cacheWrite: 0, outputText: 0, outputReasoning: 0, estimated: false };
    expect(listPriceUsd(rates, million, new Date('2026-11-25T23:00:00Z'))).toBe(0.5);
    expect(listPriceUsd(rates, million, new Date('2026-11-25T05:59:59Z'))).toBe(0.5);
    expect(listPriceUsd(rates, million, new Date('2026-11-25T06:00:00Z'))).toBe(1);
  });

  it('read times of day with offsets as UTC', () => {
    expect(secondsOfDayUtc('00:30:00Z')).toBe(1_800);
    expect(secondsOfDayUtc('08:30:00+08:00')).toBe(1_800);
    expect(secondsOfDayUtc('20:00:00.5-05:00')).toBe(3_600.5);
    expect(() => secondsOfDayUtc('8:30')).toThrow(/invalid time of day/);
  });
});
