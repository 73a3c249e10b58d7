import { describe, expect, it } from 'vitest';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js';

describe('convertAnthropicUsage', () => {
  it('adds cache reads and writes to input_tokens for the total (input_tokens excludes them)', () => {
    const raw = { input_tokens: 450, output_tokens: 62, cache_creation_input_tokens: 100, cache_read_input_tokens: 1024, output_tokens_details: { thinking_tokens: 20 } };
    expect(convertAnthropicUsage(raw, true)).toEqual({
      inputTokens: { total: 1574, noCache: 450, cacheRead: 1024, cacheWrite: 100 },
      outputTokens: { total: 62, text: 42, reasoning: 20 },
      raw,
    });
  });

  it('keeps missing counters undefined', () => {
    expect(convertAnthropicUsage({ input_tokens: 11, output_tokens: 5 }, false)).toMatchObject({
      inputTokens: { total: 11, noCache: 11, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 5, text: 5, reasoning: undefined },
    });
    expect(convertAnthropicUsage(undefined, false).inputTokens).toEqual({});
  });
});

describe('mergeAnthropicUsage', () => {
  it('takes the last non-null value of each field (message_delta is cumulative)', () => {
    const start = { input_tokens: 11, cache_read_input_tokens: 5, output_tokens: 1 };
    expect(mergeAnthropicUsage(start, { output_tokens: 42, input_tokens: null })).toEqual({ input_tokens: 11, cache_read_input_tokens: 5, output_tokens: 42 });
    expect(mergeAnthropicUsage(start, null)).toBe(start);
    expect(mergeAnthropicUsage(undefined, { output_tokens: 3 })).toEqual({ output_tokens: 3 });
  });
});
