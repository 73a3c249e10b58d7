import type { FinishReason } from '../../../core/index.js';

/** OpenAI `finish_reason` values a chat completion can carry. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * Canonical finish reason → OpenAI `finish_reason` (PROTOCOLS §4.2).
 * `hadToolCalls` corrects providers that report a plain stop while returning tool calls (Ollama
 * does): OpenAI clients loop on `finish_reason === 'tool_calls'`.
 */
export function mapFinishReasonToOpenAI(finishReason: FinishReason, hadToolCalls: boolean): OpenAIFinishReason {
  switch (finishReason.unified) {
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      // 'stop', 'other', 'error': OpenAI has nothing closer than a plain stop.
      return hadToolCalls ? 'tool_calls' : 'stop';
  }
}
