import type { Usage } from '../../core/index.js';

/**
 * Splits output tokens into text and reasoning. `reasoning` is what the provider reported;
 * when it reported nothing and the response carried no reasoning at all, every output token
 * is text. When reasoning was visible but not counted, the split is unknown (undefined).
 */
export function splitOutputTokens(total: number | undefined, reasoning: number | undefined, sawReasoning: boolean): Usage['outputTokens'] {
  if (total === undefined) return { total: undefined, text: undefined, reasoning };
  if (reasoning !== undefined) return { total, text: Math.max(0, total - reasoning), reasoning };
  if (!sawReasoning) return { total, text: total, reasoning: undefined };
  return { total, text: undefined, reasoning: undefined };
}
