import type { FinishReason } from '../../../core/index.js';

/** Anthropic `stop_reason` values. */
export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

const ANTHROPIC_STOP_REASONS: ReadonlyArray<AnthropicStopReason> = [
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
];

function isAnthropicStopReason(value: string): value is AnthropicStopReason {
  return (ANTHROPIC_STOP_REASONS as ReadonlyArray<string>).includes(value);
}

/**
 * Canonical finish reason → Anthropic `stop_reason` (PROTOCOLS §4.2, reverse direction).
 * When the provider was Anthropic its raw value is kept (it is more precise: `stop_sequence`,
 * `pause_turn`); no other provider's raw values collide with Anthropic's.
 * `hadToolCalls` corrects providers that report a plain stop while returning tool calls (Ollama).
 */
export function mapFinishReasonToAnthropic(finishReason: FinishReason, hadToolCalls: boolean): AnthropicStopReason {
  const raw = finishReason.raw;
  if (raw !== undefined && isAnthropicStopReason(raw) && consistent(raw, finishReason.unified)) return raw;
  switch (finishReason.unified) {
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'content-filter':
      return 'refusal';
    default:
      return hadToolCalls ? 'tool_use' : 'end_turn';
  }
}

/** A raw value is only trusted if it agrees with the unified one (a provider may have corrected it). */
function consistent(raw: string, unified: FinishReason['unified']): boolean {
  switch (raw) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return unified === 'length';
    case 'tool_use':
      return unified === 'tool-calls';
    case 'refusal':
      return unified === 'content-filter';
    default:
      return unified === 'stop' || unified === 'other';
  }
}
