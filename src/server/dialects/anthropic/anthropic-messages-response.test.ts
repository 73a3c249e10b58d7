import { describe, expect, it } from 'vitest';
import type { ChatResult, FinishReason, Usage } from '../../../core/index.js';
import { anthropicMessagesResponse, toAnthropicUsage, toolInput } from './anthropic-messages-response.js';
import { mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';

const ctx = { requestId: 'req1', model: 'my-alias', created: 1 };
const usage: Usage = { inputTokens: { total: 120, noCache: 40, cacheRead: 64, cacheWrite: 16 }, outputTokens: { total: 30 } };

function result(content: ChatResult['content'], finishReason: FinishReason = { unified: 'stop' }, u: Usage = usage): ChatResult {
  return { content, finishReason, usage: u, warnings: [], response: {} };
}

describe('mapFinishReasonToAnthropic', () => {
  it.each<[FinishReason, boolean, string]>([
    [{ unified: 'stop', raw: 'stop' }, false, 'end_turn'],
    [{ unified: 'length', raw: 'length' }, false, 'max_tokens'],
    [{ unified: 'tool-calls', raw: 'tool_calls' }, true, 'tool_use'],
    [{ unified: 'content-filter', raw: 'content_filter' }, false, 'refusal'],
    [{ unified: 'other' }, false, 'end_turn'],
    [{ unified: 'error' }, false, 'end_turn'],
    // Ollama says stop while returning tool calls.
    [{ unified: 'stop', raw: 'stop' }, true, 'tool_use'],
    // An Anthropic upstream's precise raw value is kept when it agrees with the unified one.
    [{ unified: 'stop', raw: 'stop_sequence' }, false, 'stop_sequence'],
    [{ unified: 'stop', raw: 'pause_turn' }, false, 'pause_turn'],
    [{ unified: 'length', raw: 'model_context_window_exceeded' }, false, 'model_context_window_exceeded'],
    [{ unified: 'length', raw: 'end_turn' }, false, 'max_tokens'],
  ])('%j (tool calls: %s) → %s', (finishReason, hadToolCalls, expected) => {
    expect(mapFinishReasonToAnthropic(finishReason, hadToolCalls)).toBe(expected);
  });
});

describe('toAnthropicUsage', () => {
  it('input_tokens excludes the cache counters', () => {
    expect(toAnthropicUsage(usage)).toEqual({ input_tokens: 40, cache_creation_input_tokens: 16, cache_read_input_tokens: 64, output_tokens: 30 });
  });

  it('derives input_tokens from the total when noCache is unknown; unknown → 0', () => {
    expect(toAnthropicUsage({ inputTokens: { total: 100, cacheRead: 30 }, outputTokens: { text: 5, reasoning: 5 } })).toEqual({
      input_tokens: 70,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 30,
      output_tokens: 10,
    });
    expect(toAnthropicUsage({ inputTokens: {}, outputTokens: {} })).toEqual({
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    });
  });
});

describe('anthropicMessagesResponse', () => {
  it('thinking, text, tool_use blocks; tool arguments parsed into input', () => {
    const body = anthropicMessagesResponse(
      result(
        [
          { type: 'reasoning', text: 'Hmm.', signature: 'sig' },
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'check.' },
          { type: 'tool-call', id: 'toolu_1', name: 'weather', arguments: '{"city":"Tokyo"}' },
        ],
        { unified: 'tool-calls', raw: 'tool_use' },
      ),
      ctx,
    );
    expect(body).toEqual({
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'my-alias',
      content: [
        { type: 'thinking', thinking: 'Hmm.', signature: 'sig' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Tokyo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 40, cache_creation_input_tokens: 16, cache_read_input_tokens: 64, output_tokens: 30 },
    });
  });

  it('never emits empty text blocks; unsigned reasoning gets an empty signature', () => {
    const body = anthropicMessagesResponse(
      result([{ type: 'text', text: '' }, { type: 'reasoning', text: 'r' }, { type: 'reasoning', text: '' }, { type: 'text', text: '' }]),
      ctx,
    );
    expect(body.content).toEqual([{ type: 'thinking', thinking: 'r', signature: '' }]);
    expect(anthropicMessagesResponse(result([{ type: 'text', text: '' }]), ctx).content).toEqual([]);
  });

  it.each([
    ['', {}],
    ['{"a":1}', { a: 1 }],
    ['{"a":', { _raw: '{"a":' }],
    ['[1,2]', { _raw: '[1,2]' }],
  ])('toolInput(%j) → %j', (text, input) => {
    expect(toolInput(text)).toEqual(input);
  });
});
