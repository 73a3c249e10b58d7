import { describe, expect, it } from 'vitest';
import { convertOllamaUsage } from './convert-ollama-usage.js';

describe('convertOllamaUsage', () => {
  it('maps prompt_eval_count and eval_count and keeps the raw metrics', () => {
    const usage = convertOllamaUsage({ done: true, prompt_eval_count: 26, eval_count: 282, eval_duration: 5 }, false);
    expect(usage.inputTokens).toEqual({ total: 26, noCache: 26 });
    expect(usage.outputTokens).toEqual({ total: 282, text: 282, reasoning: undefined });
    expect(usage.raw).toMatchObject({ prompt_eval_count: 26, eval_count: 282, eval_duration: 5 });
  });

  it('reads a missing prompt_eval_count next to eval_count as a full prompt-cache hit: 0 evaluated, total unknown', () => {
    const usage = convertOllamaUsage({ done: true, eval_count: 10 }, false);
    expect(usage.inputTokens).toEqual({ total: undefined, noCache: 0, cacheRead: undefined });
    expect(usage.outputTokens.total).toBe(10);
  });

  it('leaves everything undefined without metrics, never 0', () => {
    const usage = convertOllamaUsage({ done: true }, false);
    expect(usage.inputTokens).toEqual({});
    expect(usage.outputTokens).toEqual({ total: undefined, text: undefined, reasoning: undefined });
  });

  it('does not guess the text/reasoning split when the model was thinking', () => {
    expect(convertOllamaUsage({ done: true, prompt_eval_count: 1, eval_count: 50 }, true).outputTokens).toEqual({
      total: 50,
      text: undefined,
      reasoning: undefined,
    });
  });
});
