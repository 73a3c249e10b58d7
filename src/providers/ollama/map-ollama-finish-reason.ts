import type { FinishReason } from '../../core/index.js';

/**
 * Ollama `done_reason` → unified (PROTOCOLS §4.2). Ollama has no tool-specific reason: a turn
 * that produced tool calls ends with `stop`, which means `tool-calls` to everyone downstream.
 * A missing reason (old servers) is a normal stop.
 */
export function mapOllamaFinishReason(doneReason: string | undefined, hasToolCalls: boolean): FinishReason {
  const raw = doneReason;
  switch (doneReason) {
    case undefined:
    case '':
    case 'stop':
      return { unified: hasToolCalls ? 'tool-calls' : 'stop', raw };
    case 'length':
      return { unified: 'length', raw };
    default:
      // `load` / `unload` are not generations; anything newer we do not know yet.
      return { unified: 'other', raw };
  }
}
