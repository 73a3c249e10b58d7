import type { Usage } from '../../core/index.js';

/**
 * Derived token counts for the wire. Canonical usage keeps `undefined` for what a provider did not
 * report; these fill a total from its parts (or a part from the total) when that is arithmetic, not
 * a guess. The wire shapes need numbers, so callers turn a remaining `undefined` into 0.
 */

/** All prompt tokens (OpenAI `prompt_tokens`). */
export function inputTotal(usage: Usage): number | undefined {
  const { total, noCache, cacheRead, cacheWrite } = usage.inputTokens;
  if (total !== undefined) return total;
  if (noCache === undefined && cacheRead === undefined && cacheWrite === undefined) return undefined;
  return (noCache ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
}

/** Prompt tokens billed at the plain input price (Anthropic `input_tokens`). */
export function inputNoCache(usage: Usage): number | undefined {
  const { total, noCache, cacheRead, cacheWrite } = usage.inputTokens;
  if (noCache !== undefined) return noCache;
  if (total === undefined) return undefined;
  return Math.max(0, total - (cacheRead ?? 0) - (cacheWrite ?? 0));
}

/** All generated tokens, reasoning included (OpenAI `completion_tokens`, Anthropic `output_tokens`). */
export function outputTotal(usage: Usage): number | undefined {
  const { total, text, reasoning } = usage.outputTokens;
  if (total !== undefined) return total;
  if (text === undefined && reasoning === undefined) return undefined;
  return (text ?? 0) + (reasoning ?? 0);
}
