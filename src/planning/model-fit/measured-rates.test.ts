import { describe, expect, it } from 'vitest';
import type { UsageQuery } from '../../ledger/ledger-store.js';
import { measuredRatesFromUsage, readMeasuredRates } from './measured-rates.js';

const row = (target: string | null, generationOutputTokens: number, generationMsSum: number) => ({ group: { target }, generationOutputTokens, generationMsSum });

describe('measuredRatesFromUsage', () => {
  it('divides output tokens by generation time per model, pooling the providers that serve it', () => {
    const rates = measuredRatesFromUsage([
      row('ollama/qwen2.5:7b', 5_000, 100_000),
      row('gpu-box/qwen2.5:7b', 1_000, 50_000),
      row('ollama/llama3.2', 900, 10_000),
      row('ollama/phi3', 0, 0),
      row('ollama/mistral:7b', 10, 0),
      row(null, 100, 100),
    ]);
    // (5,000 + 1,000) tokens ÷ 150 s = 40 tokens/s
    expect(rates.get('qwen2.5:7b')).toEqual({ tokensPerSecond: 40, outputTokens: 6_000, generationMs: 150_000, targets: ['ollama/qwen2.5:7b', 'gpu-box/qwen2.5:7b'] });
    expect(rates.get('llama3.2:latest')?.tokensPerSecond).toBe(90);
    expect([...rates.keys()]).toEqual(['qwen2.5:7b', 'llama3.2:latest']);
  });
});

describe('readMeasuredRates', () => {
  it('asks the rollups for local usage by target over the window', async () => {
    const queries: UsageQuery[] = [];
    const store = {
      usage: async (query: UsageQuery) => {
        queries.push(query);
        return [row('ollama/phi3:latest', 300, 6_000)];
      },
    };
    const rates = await readMeasuredRates(store, { since: 1_000, until: 2_000 });
    expect(queries).toEqual([{ since: 1_000, until: 2_000, groupBy: ['target'], filter: { local: true } }]);
    expect(rates.get('phi3:latest')?.tokensPerSecond).toBe(50);
  });
});
