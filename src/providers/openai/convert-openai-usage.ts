import type { Usage } from '../../core/index.js';
import { splitOutputTokens } from '../shared/output-tokens.js';
import type { OpenAIUsage } from './openai-api.js';

/**
 * OpenAI usage → canonical (PROTOCOLS §2.4, §4.3). `prompt_tokens` includes cached tokens (and
 * cache writes where reported), so noCache = prompt − cached − written; `completion_tokens`
 * includes reasoning. Counts a server did not send stay undefined.
 */
export function convertOpenAIUsage(usage: OpenAIUsage | null | undefined, sawReasoning: boolean): Usage {
  if (usage === null || usage === undefined) return { inputTokens: {}, outputTokens: splitOutputTokens(undefined, undefined, sawReasoning) };
  const prompt = usage.prompt_tokens ?? undefined;
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? undefined;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? undefined;
  return {
    inputTokens: {
      total: prompt,
      noCache: prompt === undefined ? undefined : Math.max(0, prompt - (cacheRead ?? 0) - (cacheWrite ?? 0)),
      cacheRead,
      cacheWrite,
    },
    outputTokens: splitOutputTokens(usage.completion_tokens ?? undefined, usage.completion_tokens_details?.reasoning_tokens ?? undefined, sawReasoning),
    raw: usage,
  };
}
