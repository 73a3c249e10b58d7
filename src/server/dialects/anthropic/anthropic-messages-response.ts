/**
 * Canonical ChatResult → Anthropic `message` body (PROTOCOLS §3.4).
 */
import type { ChatResult, Usage } from '../../../core/index.js';
import type { ResponseContext } from '../dialect.js';
import { inputNoCache, outputTotal } from '../usage-counts.js';
import { mapFinishReasonToAnthropic, type AnthropicStopReason } from './map-finish-reason-to-anthropic.js';

/** Anthropic `usage`. Unknown counts are 0: the SDKs type input/output counts as numbers. */
export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

export type AnthropicResponseBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason;
  stop_sequence: null;
  usage: AnthropicUsage;
}

/** Anthropic usage for canonical usage: `input_tokens` excludes cache reads and writes. */
export function toAnthropicUsage(usage: Usage): AnthropicUsage {
  return {
    input_tokens: inputNoCache(usage) ?? 0,
    cache_creation_input_tokens: usage.inputTokens.cacheWrite ?? 0,
    cache_read_input_tokens: usage.inputTokens.cacheRead ?? 0,
    output_tokens: outputTotal(usage) ?? 0,
  };
}

/** The `id` of a message. */
export function anthropicMessageId(requestId: string): string {
  return `msg_${requestId}`;
}

/**
 * Tool arguments text → the `input` object. Arguments that are not a JSON object (a model that
 * produced broken JSON, cut off by max_tokens) cannot be an `input`; they are kept under `_raw` so
 * nothing the model said is lost, rather than failing the whole response.
 */
export function toolInput(argumentsText: string): unknown {
  if (argumentsText.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(argumentsText);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  return { _raw: argumentsText };
}

/** Builds the `message` body. Adjacent text parts form one block; empty text is never emitted. */
export function anthropicMessagesResponse(result: ChatResult, ctx: ResponseContext): AnthropicMessage {
  const content: AnthropicResponseBlock[] = [];
  let hadToolCalls = false;
  for (const part of result.content) {
    const last = content[content.length - 1];
    switch (part.type) {
      case 'text':
        if (part.text === '') break;
        if (last?.type === 'text') last.text += part.text;
        else content.push({ type: 'text', text: part.text });
        break;
      case 'tool-call':
        hadToolCalls = true;
        content.push({ type: 'tool_use', id: part.id, name: part.name, input: toolInput(part.arguments) });
        break;
      case 'reasoning':
        if (part.text === '' && part.signature === undefined) break;
        // Reasoning from a provider without signatures gets '' (the SDK types require a string).
        content.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' });
        break;
    }
  }
  return {
    id: anthropicMessageId(ctx.requestId),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: mapFinishReasonToAnthropic(result.finishReason, hadToolCalls),
    stop_sequence: null,
    usage: toAnthropicUsage(result.usage),
  };
}
