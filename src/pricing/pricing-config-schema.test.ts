import { describe, expect, it } from 'vitest';
import { pricingConfigSchema, type PricingConfigInput } from './pricing-config-schema.js';

function problems(input: unknown): string[] {
  const result = pricingConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('pricing config', () => {
  it('defaults to no overrides, no reference, 350 W at $0.15/kWh and no hardware', () => {
    expect(pricingConfigSchema.parse({})).toEqual({
      models: {},
      reference: { tasks: {} },
      local: { gpuWatts: 350, kwhUsd: 0.15 },
    });
  });

  it('reads prices with tiers and dated changes', () => {
    const input: PricingConfigInput = {
      models: {
        'anthropic/claude-haiku-5-5': {
          input: 0.1,
          output: 0.5,
          cacheRead: 0.01,
          cacheWrite: 0.125,
          tiers: [{ aboveInputTokens: 100_000, input: 0.5, output: 2.5, cacheRead: 0.05, cacheWrite: 0.625 }],
          changes: [{ from: '2026-12-01', input: 0.08 }],
        },
      },
      reference: { default: 'openai/gpt-4o-mini', tasks: { 'kb-analysis': 'anthropic/claude-haiku-5-5' } },
      local: { gpuWatts: 300, idleWatts: 40, kwhUsd: 0.3, hardware: { priceUsd: 2_400, months: 36 } },
    };
    expect(problems(input)).toEqual([]);
  });

  it('names the path of each mistake', () => {
    expect(
      problems({
        models: {
          'gpt-4o-mini': { input: -1, output: 0.6 },
          'claude-haiku-5-5': { input: 0.1, output: 0.5, changes: [{ from: '7 Oct 2026' }] },
          'typo': { input: 1, ouput: 2 },
        },
        reference: { default: 'gpt-4o-mini' },
        local: { gpuWatts: 300, idleWatts: 400 },
      }),
    ).toEqual([
      'models.gpt-4o-mini.input: expected a price of 0 or more',
      'models.claude-haiku-5-5.changes.0.from: expected a date as YYYY-MM-DD',
      'models.typo.output: expected a price in USD per million tokens',
      'models.typo: Unrecognized key: "ouput"',
      'reference.default: expected a target of the form provider/model',
      'local.idleWatts: expected idleWatts not above gpuWatts',
    ]);
  });

  it('checks tiers and change order once the fields are well formed', () => {
    expect(
      problems({
        models: {
          'claude-haiku-5-5': {
            input: 0.1,
            output: 0.5,
            cacheRead: 0.01,
            tiers: [
              { aboveInputTokens: 100_000, input: 0.5, output: 2.5 },
              { aboveInputTokens: 50_000, input: 0.5, output: 2.5, cacheRead: 0.05 },
            ],
            changes: [{ from: '2026-10-07', cacheWrite: 0.2 }, { from: '2026-10-01', tiers: [] }],
          },
        },
      }),
    ).toEqual([
      'models.claude-haiku-5-5.tiers.0.cacheRead: expected a cacheRead price: the base price has one',
      'models.claude-haiku-5-5.tiers.1.aboveInputTokens: expected aboveInputTokens above 100000 (tiers in increasing order)',
      'models.claude-haiku-5-5.changes.0.tiers: expected tiers with a cacheWrite price: this change sets one and the tiers in force have none',
      'models.claude-haiku-5-5.changes.1.from: expected a date after 2026-10-07 (changes in date order)',
    ]);
  });
});
