import { describe, expect, it } from 'vitest';
import type { ChatResult, FinishReason, Usage } from '../../../core/index.js';
import { mapFinishReasonToOpenAI } from './map-finish-reason-to-openai.js';
import { openAIChatResponse, toOpenAIUsage } from './openai-chat-response.js';

const ctx = { requestId: 'req1', model: 'my-alias', created: 1_700_000_000 };
const usage: Usage = { inputTokens: { total: 120, noCache: 40, cacheRead: 64, cacheWrite: 16 }, outputTokens: { total: 30, text: 20, reasoning: 10 } };

function result(content: ChatResult['content'], finishReason: FinishReason = { unified: 'stop' }, u: Usage = usage): ChatResult {
  return { content, finishReason, usage: u, warnings: [], response: { id: 'upstream-id', model: 'qwen' } };
}

describe('mapFinishReasonToOpenAI', () => {
  it.each<[FinishReason['unified'], boolean, string]>([
    ['stop', false, 'stop'],
    ['length', false, 'length'],
    ['tool-calls', true, 'tool_calls'],
    ['content-filter', false, 'content_filter'],
    ['error', false, 'stop'],
    ['other', false, 'stop'],
    // A provider that says "stop" while returning tool calls (Ollama) is corrected.
    ['stop', true, 'tool_calls'],
    ['length', true, 'length'],
  ])('%s (tool calls: %s) → %s', (unified, hadToolCalls, expected) => {
    expect(mapFinishReasonToOpenAI({ unified }, hadToolCalls)).toBe(expected);
  });
});

describe('toOpenAIUsage', () => {
  it('maps the canonical counters', () => {
    expect(toOpenAIUsage(usage)).toEqual({
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
  });

  it('derives totals from parts, and unknown counts are 0 on the wire', () => {
    expect(toOpenAIUsage({ inputTokens: { noCache: 10, cacheRead: 5 }, outputTokens: { text: 3 } })).toMatchObject({
      prompt_tokens: 15,
      completion_tokens: 3,
      total_tokens: 18,
    });
    expect(toOpenAIUsage({ inputTokens: {}, outputTokens: {} })).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });
});

describe('openAIChatResponse', () => {
  it('a text answer', () => {
    expect(openAIChatResponse(result([{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }]), ctx)).toEqual({
      id: 'chatcmpl-req1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'my-alias',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: toOpenAIUsage(usage),
    });
  });

  it('tool calls only: content null, tool_calls in order, finish tool_calls', () => {
    const body = openAIChatResponse(
      result(
        [
          { type: 'tool-call', id: 'call_1', name: 'weather', arguments: '{"city":"Tokyo"}' },
          { type: 'tool-call', id: 'call_2', name: 'time', arguments: '{}' },
        ],
        { unified: 'tool-calls', raw: 'tool_use' },
      ),
      ctx,
    );
    expect(body.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Tokyo"}' } },
        { id: 'call_2', type: 'function', function: { name: 'time', arguments: '{}' } },
      ],
    });
    expect(body.choices[0].finish_reason).toBe('tool_calls');
  });

  it('text with tool calls keeps the text; an empty answer is "" not null', () => {
    const withText = openAIChatResponse(result([{ type: 'text', text: 'Checking.' }, { type: 'tool-call', id: 'c', name: 'f', arguments: '{}' }]), ctx);
    expect(withText.choices[0].message.content).toBe('Checking.');
    expect(openAIChatResponse(result([], { unified: 'content-filter' }), ctx).choices[0]).toMatchObject({
      message: { content: '' },
      finish_reason: 'content_filter',
    });
  });

  it('reasoning is dropped by default, exposed as reasoning_content on request', () => {
    const r = result([{ type: 'reasoning', text: 'Thinking…', signature: 'sig' }, { type: 'text', text: 'Answer' }]);
    expect(openAIChatResponse(r, ctx).choices[0].message).not.toHaveProperty('reasoning_content');
    expect(openAIChatResponse(r, { ...ctx, exposeReasoning: true }).choices[0].message.reasoning_content).toBe('Thinking…');
  });
});
