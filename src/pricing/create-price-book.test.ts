import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it, vi } from 'vitest';
import type { RecordPricing } from '../ledger/build-ledger-record.js';
import type { LedgerTokens } from '../ledger/ledger-record.js';
import { createPriceBook, savings, type PriceBook, type PriceBookOptions } from './create-price-book.js';
import { EMPTY_PRICE_CATALOG, loadPriceCatalog, type PriceCatalog } from './price-catalog.js';
import { pricingConfigSchema, type PricingConfigInput } from './pricing-config-schema.js';

const PROVIDERS = {
  anthropic: { type: 'anthropic' },
  claude: { type: 'anthropic' },
  openai: { type: 'openai' },
  ollama: { type: 'ollama' },
  vllm: { type: 'openai-compatible' },
} as const;

const builtIn = await loadPriceCatalog();

function book(config: PricingConfigInput = {}, options: Partial<PriceBookOptions> = {}): Promise<PriceBook> {
  return createPriceBook({ config: pricingConfigSchema.parse(config), providers: PROVIDERS, catalog: builtIn, ...options });
}

function tokens(counts: Partial<LedgerTokens>): LedgerTokens {
  return { inputUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, outputReasoning: 0, estimated: false, ...counts };
}

/** The same counters in genai-prices' nested usage: input includes cache reads and writes, output includes reasoning. */
function genaiUsage(t: LedgerTokens) {
  return {
    input_tokens: t.inputUncached + t.cacheRead + t.cacheWrite,
    cache_read_tokens: t.cacheRead,
    cache_write_tokens: t.cacheWrite,
    output_tokens: t.outputText + t.outputReasoning,
    output_reasoning_tokens: t.outputReasoning,
  };
}

const NOW = new Date('2026-11-25T12:00:00Z');
const NO_TIMING = { generationMs: null, latencyMs: 0 };
const cloud = (provider: string, model: string) => ({ provider, model, local: false });

async function usdOf(priceBook: PriceBook, provider: string, model: string, t: LedgerTokens, at = NOW): Promise<number> {
  const result = priceBook.cost(cloud(provider, model), t, NO_TIMING, at);
  if (result.usd === null) throw new Error(result.warning);
  expect(result).toMatchObject({ basis: 'list-price' });
  return result.usd;
}

function expectSamePrice(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
}

describe('cloud list prices from @pydantic/genai-prices', () => {
  const cases: Array<[string, string, LedgerTokens, Date]> = [
    ['openai', 'gpt-4o-mini', tokens({ inputUncached: 3_000, outputText: 500 }), NOW],
    ['openai', 'gpt-4o-mini-2024-07-18', tokens({ inputUncached: 1_000, cacheRead: 4_096, outputText: 200, outputReasoning: 0 }), NOW],
    ['openai', 'gpt-4o', tokens({ inputUncached: 12_000, cacheRead: 30_000, outputText: 900 }), NOW],
    ['openai', 'o4-mini', tokens({ inputUncached: 2_000, outputText: 300, outputReasoning: 4_000 }), NOW],
    ['anthropic', 'claude-haiku-4-5', tokens({ inputUncached: 2_000, cacheRead: 50_000, cacheWrite: 10_000, outputText: 800 }), NOW],
    ['anthropic', 'claude-haiku-4-5-20251001', tokens({ inputUncached: 10, cacheWrite: 3_000, outputText: 40 }), NOW],
    // Tiered (whole request above 200k prompt tokens), priced on the prompt including cache tokens.
    ['anthropic', 'claude-sonnet-4-5', tokens({ inputUncached: 20_000, cacheRead: 170_000, cacheWrite: 10_001, outputText: 1_000 }), NOW],
    ['anthropic', 'claude-sonnet-4-5', tokens({ inputUncached: 20_000, cacheRead: 170_000, cacheWrite: 10_000, outputText: 1_000 }), NOW],
    ['openai', 'gpt-5.4', tokens({ inputUncached: 272_000, outputText: 5_000 }), NOW],
    ['openai', 'gpt-5.4', tokens({ inputUncached: 271_999, outputText: 5_000 }), NOW],
    // Dated price changes: o3 was cut on 2025-06-10; Sonnet 4.6 dropped its long-context tier on 2026-03-13.
    ['openai', 'o3', tokens({ inputUncached: 10_000, outputText: 1_000 }), new Date('2025-06-09T23:59:59Z')],
    ['openai', 'o3', tokens({ inputUncached: 10_000, outputText: 1_000 }), new Date('2025-06-10T00:00:00Z')],
    ['anthropic', 'claude-sonnet-4-6', tokens({ inputUncached: 250_000, outputText: 1_000 }), new Date('2026-03-12T00:00:00Z')],
    ['anthropic', 'claude-sonnet-4-6', tokens({ inputUncached: 250_000, outputText: 1_000 }), new Date('2026-03-13T00:00:00Z')],
  ];

  it.each(cases)('%s/%s costs what calcPrice says (%#)', async (provider, model, t, at) => {
    const priceBook = await book({}, { catalog: EMPTY_PRICE_CATALOG });
    const expected = calcPrice(genaiUsage(t), model, { providerId: provider, timestamp: at });
    expect(expected).not.toBeNull();
    expectSamePrice(await usdOf(priceBook, provider, model, t, at), expected?.total_price ?? NaN);
  });

  it('counts Anthropic cache tokens once: the prompt is uncached + read + written, each at its own rate', async () => {
    const priceBook = await book();
    // claude-haiku-4-5: input 1, cache read 0.10, cache write 1.25, output 5 per million.
    const usd = await usdOf(priceBook, 'anthropic', 'claude-haiku-4-5', tokens({ inputUncached: 2_000, cacheRead: 50_000, cacheWrite: 10_000, outputText: 800 }));
    expectSamePrice(usd, (2_000 * 1 + 50_000 * 0.1 + 10_000 * 1.25 + 800 * 5) / 1e6); // 0.0235
  });

  it('bills cache reads at the input price on a model without a cache-write price, as genai-prices does', async () => {
    const priceBook = await book();
    const usd = await usdOf(priceBook, 'openai', 'gpt-4o-mini', tokens({ cacheWrite: 1_000_000 }));
    expectSamePrice(usd, 0.15);
  });

  it('picks the tier on the whole prompt, strictly above the threshold', async () => {
    const priceBook = await book();
    // claude-sonnet-4-5: 3 / 15 up to 200k prompt tokens, 6 / 22.5 above.
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-sonnet-4-5', tokens({ inputUncached: 200_000, outputText: 1_000 })), 0.6 + 0.015);
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-sonnet-4-5', tokens({ inputUncached: 200_001, outputText: 1_000 })), (200_001 * 6 + 1_000 * 22.5) / 1e6);
  });
});

describe('built-in prices (config/prices.yaml)', () => {
  it('prices Claude Haiku 5.5 below and above its 100k tier', async () => {
    const priceBook = await book();
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-haiku-5-5', tokens({ inputUncached: 3_000, outputText: 500 })), 0.00055);
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-haiku-5-5', tokens({ inputUncached: 100_000, outputText: 500 })), 0.01 + 0.00025);
    // 10k uncached + 95k cache read = 105k prompt: the whole request at 0.50 / 0.05 / 2.50.
    expectSamePrice(
      await usdOf(priceBook, 'anthropic', 'claude-haiku-5-5', tokens({ inputUncached: 10_000, cacheRead: 95_000, outputText: 1_000 })),
      (10_000 * 0.5 + 95_000 * 0.05 + 1_000 * 2.5) / 1e6,
    );
  });

  it('matches a dated snapshot id to its model', async () => {
    const priceBook = await book();
    expectSamePrice(await usdOf(priceBook, 'claude', 'claude-haiku-5-5-20261015', tokens({ inputUncached: 3_000, outputText: 500 })), 0.00055);
  });

  it('applies a dated change from its first day (UTC)', async () => {
    const priceBook = await book();
    const read = tokens({ cacheRead: 1_000_000 });
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-sonnet-5-5', read, new Date('2026-10-06T23:59:59Z')), 0.2);
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-sonnet-5-5', read, new Date('2026-10-07T00:00:00Z')), 0.1);
  });

  it('wins over genai-prices, which prices claude-sonnet-5-5 as claude-sonnet-5 by prefix', async () => {
    const read = tokens({ cacheRead: 1_000_000 });
    expect(calcPrice(genaiUsage(read), 'claude-sonnet-5-5', { providerId: 'anthropic', timestamp: NOW })?.model.id).toBe('claude-sonnet-5');
    expectSamePrice(await usdOf(await book({}, { catalog: EMPTY_PRICE_CATALOG }), 'anthropic', 'claude-sonnet-5-5', read), 0.2);
    expectSamePrice(await usdOf(await book(), 'anthropic', 'claude-sonnet-5-5', read), 0.1);
  });

  it('is read from config/prices.yaml when no catalogue is given', async () => {
    const priceBook = await createPriceBook({ config: pricingConfigSchema.parse({}), providers: PROVIDERS });
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-haiku-5-5', tokens({ inputUncached: 100_000 })), 0.01);
  });
});

describe('pricing.models overrides', () => {
  const catalog: PriceCatalog = { anthropic: { 'claude-haiku-5-5': { input: 0.2, output: 1, tiers: [], changes: [] } }, openai: {} };
  const oneMillionIn = tokens({ inputUncached: 1_000_000 });

  it('config > config/prices.yaml > genai-prices', async () => {
    const priceBook = await book({ models: { 'gpt-4o-mini': { input: 9, output: 9 } } }, { catalog });
    expectSamePrice(await usdOf(priceBook, 'openai', 'gpt-4o-mini', oneMillionIn), 9);
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-haiku-5-5', oneMillionIn), 0.2);
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-haiku-4-5', oneMillionIn), 1);
    const overridden = await book({ models: { 'claude-haiku-5-5': { input: 0.3, output: 1 } } }, { catalog });
    expectSamePrice(await usdOf(overridden, 'anthropic', 'claude-haiku-5-5', oneMillionIn), 0.3);
  });

  it('provider/model applies to that provider instance only, and beats a bare id', async () => {
    const priceBook = await book({ models: { 'claude/claude-haiku-5-5': { input: 0.05, output: 0.25 }, 'claude-haiku-5-5': { input: 0.3, output: 1 } } });
    expectSamePrice(await usdOf(priceBook, 'claude', 'claude-haiku-5-5', oneMillionIn), 0.05);
    expectSamePrice(await usdOf(priceBook, 'anthropic', 'claude-haiku-5-5', oneMillionIn), 0.3);
  });

  it('prices a remote OpenAI-compatible server that is not local', async () => {
    const priceBook = await book({ models: { 'vllm/meta-llama/Llama-3.3-70B-Instruct': { input: 0.6, output: 0.6 } } });
    expectSamePrice(await usdOf(priceBook, 'vllm', 'meta-llama/Llama-3.3-70B-Instruct', tokens({ inputUncached: 1_000_000, outputText: 1_000_000 })), 1.2);
  });

  it('defaults cache prices to the input price and reasoning to the output price', async () => {
    const priceBook = await book({ models: { 'house-model': { input: 1, output: 4 }, 'thinker': { input: 1, output: 4, reasoning: 8 } } });
    const all = tokens({ inputUncached: 1_000_000, cacheRead: 1_000_000, cacheWrite: 1_000_000, outputText: 1_000_000, outputReasoning: 1_000_000 });
    expectSamePrice(await usdOf(priceBook, 'openai', 'house-model', all), 3 + 8);
    expectSamePrice(await usdOf(priceBook, 'openai', 'thinker', all), 3 + 4 + 8);
  });
});

describe('unknown prices', () => {
  it('are null with a warning naming the model and the fix, never 0', async () => {
    const priceBook = await book();
    expect(priceBook.cost(cloud('anthropic', 'claude-x'), tokens({ inputUncached: 10 }), NO_TIMING, NOW)).toEqual({
      usd: null,
      warning: 'price unknown for anthropic/claude-x: add it under pricing.models',
    });
  });

  it('are reported to onUnknownPrice once per model, however often they are asked for', async () => {
    const onUnknownPrice = vi.fn();
    const priceBook = await book({}, { onUnknownPrice });
    for (let i = 0; i < 3; i++) {
      priceBook.cost(cloud('anthropic', 'claude-x'), tokens({ inputUncached: 10 }), NO_TIMING, NOW);
      priceBook.referenceCost('anthropic/claude-x', tokens({ inputUncached: 10 }), NOW);
      priceBook.cost(cloud('openai', 'gpt-x'), tokens({ inputUncached: 10 }), NO_TIMING, NOW);
    }
    expect(onUnknownPrice.mock.calls).toEqual([
      ['anthropic/claude-x', 'price unknown for anthropic/claude-x: add it under pricing.models'],
      ['openai/gpt-x', 'price unknown for openai/gpt-x: add it under pricing.models'],
    ]);
  });

  it('include a model genai-prices lists without token prices, and a remote Ollama without a configured price', async () => {
    const priceBook = await book();
    expect(priceBook.cost(cloud('openai', 'whisper-1'), tokens({ inputUncached: 10 }), NO_TIMING, NOW).usd).toBeNull();
    expect(priceBook.cost(cloud('ollama', 'gpt-oss:120b-cloud'), tokens({ inputUncached: 10 }), NO_TIMING, NOW).usd).toBeNull();
  });
});

describe('local energy', () => {
  const local = { provider: 'ollama', model: 'qwen2.5:7b', local: true };

  it('is gpuWatts × generation hours × kwhUsd, whatever the tokens', async () => {
    const priceBook = await book();
    // 350 W × 6 s = 2,100 J = 0.000583 kWh; × $0.15 = $0.0000875.
    const result = priceBook.cost(local, tokens({ inputUncached: 3_000, outputText: 500 }), { generationMs: 6_000, latencyMs: 9_000 }, NOW);
    expect(result).toMatchObject({ basis: 'energy' });
    expectSamePrice(result.usd ?? NaN, 0.0000875);
  });

  it('falls back to latency when the server reports no generation time', async () => {
    const priceBook = await book({ local: { gpuWatts: 200, kwhUsd: 0.3 } });
    const result = priceBook.cost({ provider: 'vllm', model: 'm', local: true }, tokens({}), { generationMs: null, latencyMs: 3_600_000 }, NOW);
    expectSamePrice(result.usd ?? NaN, 0.2 * 0.3);
  });

  it('keeps hardware and idle draw out of requests, as monthly report figures', async () => {
    expect((await book()).monthlyAmortizationUsd()).toBe(0);
    expect((await book()).monthlyIdleEnergyUsd()).toBe(0);
    const priceBook = await book({ local: { idleWatts: 60, hardware: { priceUsd: 2_400, months: 36 } } });
    expectSamePrice(priceBook.monthlyAmortizationUsd(), 2_400 / 36);
    // 60 W × 730 h = 43.8 kWh; × $0.15 = $6.57.
    expectSamePrice(priceBook.monthlyIdleEnergyUsd(), 6.57);
  });
});

describe('reference models', () => {
  it('are tasks[task], else default, else the caller fallback, else none', async () => {
    const configured = await book({ reference: { default: 'openai/gpt-4o-mini', tasks: { 'kb-analysis': 'anthropic/claude-haiku-5-5' } } });
    expect(configured.referenceFor('kb-analysis', 'openai/gpt-4o')).toBe('anthropic/claude-haiku-5-5');
    expect(configured.referenceFor('summary', 'openai/gpt-4o')).toBe('openai/gpt-4o-mini');
    expect(configured.referenceFor(null, 'openai/gpt-4o')).toBe('openai/gpt-4o-mini');
    const bare = await book();
    expect(bare.referenceFor('toString', 'anthropic/claude-haiku-5-5')).toBe('anthropic/claude-haiku-5-5');
    expect(bare.referenceFor('kb-analysis', undefined)).toBeNull();
  });

  it('charge the same counters; a local call has no cache tokens, so all its prompt is input', async () => {
    const priceBook = await book();
    const local = tokens({ inputUncached: 3_000, outputText: 500 });
    expect(priceBook.referenceCost('anthropic/claude-haiku-5-5', local, NOW)).toEqual({ usd: expect.closeTo(0.00055, 15), basis: 'list-price' });
    const cached = tokens({ inputUncached: 2_000, cacheRead: 50_000, cacheWrite: 10_000, outputText: 800 });
    expect(priceBook.referenceCost('anthropic/claude-haiku-4-5', cached, NOW).usd).toBeCloseTo(0.0235, 15);
  });

  it('may name a provider type that is not configured (a local-only gateway measuring against a price list)', async () => {
    const priceBook = await createPriceBook({ config: pricingConfigSchema.parse({}), providers: { ollama: { type: 'ollama' } }, catalog: builtIn });
    expect(priceBook.referenceCost('openai/gpt-4o-mini', tokens({ inputUncached: 1_000_000 }), NOW).usd).toBeCloseTo(0.15, 15);
  });

  it('are priced at the clock time when no instant is given', async () => {
    const priceBook = await book({}, { now: () => new Date('2026-10-01T00:00:00Z') });
    expect(priceBook.referenceCost('anthropic/claude-sonnet-5-5', tokens({ cacheRead: 1_000_000 })).usd).toBeCloseTo(0.2, 15);
  });

  it('are null with a warning when unknown, local or malformed', async () => {
    const priceBook = await book();
    const t = tokens({ inputUncached: 1 });
    expect(priceBook.referenceCost('anthropic/claude-x', t, NOW)).toEqual({ usd: null, warning: 'price unknown for anthropic/claude-x: add it under pricing.models' });
    expect(priceBook.referenceCost('ollama/qwen2.5:7b', t, NOW)).toEqual({ usd: null, warning: 'price unknown for ollama/qwen2.5:7b: add it under pricing.models' });
    expect(priceBook.referenceCost('gpt-4o-mini', t, NOW)).toEqual({ usd: null, warning: "reference model 'gpt-4o-mini' is not provider/model" });
  });
});

describe('the ledger', () => {
  it("can use a price book as its RecordPricing", async () => {
    const pricing: RecordPricing = await book();
    expect(pricing.referenceFor(null, 'openai/gpt-4o-mini')).toBe('openai/gpt-4o-mini');
  });
});

describe('savings', () => {
  it('is reference − cost, null when either is unknown', () => {
    expect(savings(0.1, 0.25)).toBeCloseTo(0.15, 15);
    expect(savings(0.3, 0.25)).toBeCloseTo(-0.05, 15);
    expect(savings(null, 0.25)).toBeNull();
    expect(savings(0.1, null)).toBeNull();
  });
});

describe('the worked example in docs/costs.md', () => {
  it('1,000 kb-analysis calls of 3,000 in / 500 out on local qwen2.5:7b, 6 s each at 350 W, against Claude Haiku 5.5', async () => {
    const priceBook = await book({ local: { hardware: { priceUsd: 2_400, months: 36 } } });
    const t = tokens({ inputUncached: 3_000, outputText: 500 });
    let cost = 0;
    let reference = 0;
    for (let i = 0; i < 1_000; i++) {
      cost += priceBook.cost({ provider: 'ollama', model: 'qwen2.5:7b', local: true }, t, { generationMs: 6_000, latencyMs: 6_400 }, NOW).usd ?? NaN;
      reference += priceBook.referenceCost(priceBook.referenceFor('kb-analysis', 'anthropic/claude-haiku-5-5') ?? '', t, NOW).usd ?? NaN;
    }
    expect(cost).toBeCloseTo(0.0875, 10);
    expect(reference).toBeCloseTo(0.55, 10);
    expect(savings(cost, reference)).toBeCloseTo(0.4625, 10);
    expect(priceBook.referenceCost('openai/gpt-4o-mini', t, NOW).usd).toBeCloseTo(0.00075, 15);
    // Break-even volume for the hardware: $66.67 a month ÷ $0.0004625 saved per call.
    expect(Math.round(priceBook.monthlyAmortizationUsd() / (0.00055 - 0.0000875))).toBe(144_144);
  });
});

describe('speed', () => {
  it('prices a cloud call with arithmetic once the model is resolved', async () => {
    const priceBook = await book();
    const target = cloud('anthropic', 'claude-haiku-5-5');
    const t = tokens({ inputUncached: 2_000, cacheRead: 50_000, cacheWrite: 1_000, outputText: 800 });
    const timing = { generationMs: null, latencyMs: 900 };
    let sink = 0;
    for (let i = 0; i < 10_000; i++) sink += priceBook.cost(target, t, timing, NOW).usd ?? 0;
    const calls = 100_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += priceBook.cost(target, t, timing, NOW).usd ?? 0;
    const microsPerCall = Number(process.hrtime.bigint() - started) / 1_000 / calls;
    console.log(`cost() for a cloud model: ${microsPerCall.toFixed(3)} µs/call over ${calls.toLocaleString('en-US')} calls`);
    expect(sink).toBeGreaterThan(0);
  });
});
