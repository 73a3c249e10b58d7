import type { FinishReason } from '../../core/index.js';

/**
 * OpenAI `finish_reason` → unified. Some compatible servers answer `stop` although the turn
 * produced tool calls; what matters downstream is that tools must run, so that is `tool-calls`.
 */
export function mapOpenAIFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const raw = reason ?? undefined;
  switch (reason) {
    case 'stop':
      return { unified: hasToolCalls ? 'tool-calls' : 'stop', raw };
    case 'length':
      return { unified: 'length', raw };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool-calls', raw };
    case 'content_filter':
      return { unified: 'content-filter', raw };
    default:
      return { unified: 'other', raw };
  }
}
