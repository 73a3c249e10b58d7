import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage } from './convert-openai-usage.js';

describe('convertOpenAIUsage', () => {
  it('splits cached tokens out of prompt_tokens and reasoning out of completion_tokens', () => {
    const raw = {
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 12 },
    };
    expect(convertOpenAIUsage(raw, false)).toEqual({
      inputTokens: { total: 120, noCache: 56, cacheRead: 64, cacheWrite: undefined },
      outputTokens: { total: 30, text: 18, reasoning: 12 },
      raw,
    });
  });

  it('subtracts cache writes too when a server reports them', () => {
    const usage = convertOpenAIUsage({ prompt_tokens: 100, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 10, cache_write_tokens: 30 } }, false);
    expect(usage.inputTokens).toEqual({ total: 100, noCache: 60, cacheRead: 10, cacheWrite: 30 });
  });

  it('keeps unreported counts undefined (compatible servers)', () => {
    expect(convertOpenAIUsage({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 }, false)).toMatchObject({
      inputTokens: { total: 9, noCache: 9, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 3, text: 3, reasoning: undefined },
    });
    expect(convertOpenAIUsage(undefined, false)).toEqual({ inputTokens: {}, outputTokens: { total: undefined, text: undefined, reasoning: undefined } });
    expect(convertOpenAIUsage({ prompt_tokens: 1, completion_tokens: 40 }, true).outputTokens).toEqual({ total: 40, text: undefined, reasoning: undefined });
  });
});
