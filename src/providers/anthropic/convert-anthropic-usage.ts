import type { Usage } from '../../core/index.js';
import { splitOutputTokens } from '../shared/output-tokens.js';
import type { AnthropicUsage } from './anthropic-api.js';

/**
 * Anthropic usage → canonical (PROTOCOLS §3.4, §4.3). `input_tokens` EXCLUDES cache reads and
 * writes, so it is exactly the uncached count and total = input + cache writes + cache reads.
 * `output_tokens` includes thinking.
 */
export function convertAnthropicUsage(usage: AnthropicUsage | null | undefined, sawReasoning: boolean): Usage {
  if (usage === null || usage === undefined) return { inputTokens: {}, outputTokens: splitOutputTokens(undefined, undefined, sawReasoning) };
  const noCache = usage.input_tokens ?? undefined;
  const cacheWrite = usage.cache_creation_input_tokens ?? undefined;
  const cacheRead = usage.cache_read_input_tokens ?? undefined;
  return {
    inputTokens: {
      total: noCache === undefined ? undefined : noCache + (cacheWrite ?? 0) + (cacheRead ?? 0),
      noCache,
      cacheRead,
      cacheWrite,
    },
    outputTokens: splitOutputTokens(usage.output_tokens ?? undefined, usage.output_tokens_details?.thinking_tokens ?? undefined, sawReasoning),
    raw: usage,
  };
}

/**
 * Streamed usage arrives in `message_start` and again, cumulatively, in `message_delta`:
 * the last non-null value of each field wins.
 */
export function mergeAnthropicUsage(previous: AnthropicUsage | undefined, next: AnthropicUsage | null | undefined): AnthropicUsage | undefined {
  if (next === null || next === undefined) return previous;
  const merged: Record<string, unknown> = { ...previous };
  for (const [key, value] of Object.entries(next)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}
