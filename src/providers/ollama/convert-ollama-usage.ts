import type { Usage } from '../../core/index.js';
import { splitOutputTokens } from '../shared/output-tokens.js';
import type { OllamaChatResponse } from './ollama-api.js';

/**
 * Usage from Ollama's final line (PROTOCOLS §1.5, §4.3). Ollama reports no cache split and no
 * reasoning count.
 *
 * `prompt_eval_count` is `omitempty`: on a final line that reports generation (`eval_count`) but
 * no `prompt_eval_count`, the count was 0 — every prompt token came from Ollama's prompt cache
 * (issues #2068/#3427). We then say what we know: 0 tokens evaluated (`noCache: 0`) and an
 * unknown number cached, so `total` and `cacheRead` are undefined and the ledger estimates the
 * prompt size instead of billing 0. Without any metrics everything is undefined.
 */
export function convertOllamaUsage(final: OllamaChatResponse, sawReasoning: boolean): Usage {
  const raw = {
    prompt_eval_count: final.prompt_eval_count,
    eval_count: final.eval_count,
    total_duration: final.total_duration,
    load_duration: final.load_duration,
    prompt_eval_duration: final.prompt_eval_duration,
    eval_duration: final.eval_duration,
  };
  const promptEvaluated = final.prompt_eval_count;
  const inputTokens: Usage['inputTokens'] =
    promptEvaluated !== undefined
      ? { total: promptEvaluated, noCache: promptEvaluated }
      : final.eval_count !== undefined
        ? { total: undefined, noCache: 0, cacheRead: undefined }
        : {};
  return { inputTokens, outputTokens: splitOutputTokens(final.eval_count, undefined, sawReasoning), raw };
}
