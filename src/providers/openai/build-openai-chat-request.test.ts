import { describe, expect, it } from 'vitest';
import type { ChatCall } from '../../core/index.js';
import { buildOpenAIChatRequest } from './build-openai-chat-request.js';

const base: ChatCall = { model: 'alias', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
const tools = [{ name: 'get_weather', inputSchema: { type: 'object' }, strict: true }];
const strict = { stream: false, compatible: false };
const compatible = { stream: false, compatible: true };

describe('buildOpenAIChatRequest', () => {
  it('sends only what the call set', () => {
    expect(buildOpenAIChatRequest('gpt-4o', base, strict)).toEqual({ body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, warnings: [] });
  });

  it('always asks for usage when streaming', () => {
    expect(buildOpenAIChatRequest('gpt-4o', base, { stream: true, compatible: false }).body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('maps every sampling setting', () => {
    const call: ChatCall = {
      ...base,
      maxOutputTokens: 100,
      temperature: 1.5,
      topP: 0.9,
      stopSequences: ['END'],
      seed: 7,
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      reasoningEffort: 'high',
      user: 'u-1',
    };
    expect(buildOpenAIChatRequest('o4-mini', call, strict).body).toEqual({
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 100,
      temperature: 1.5,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      reasoning_effort: 'high',
      user: 'u-1',
    });
  });

  it('uses max_tokens and passes top_k for compatible servers; warns about top_k for OpenAI', () => {
    const call: ChatCall = { ...base, maxOutputTokens: 100, topK: 40 };
    const local = buildOpenAIChatRequest('qwen', call, compatible);
    expect(local.body).toMatchObject({ max_tokens: 100, top_k: 40 });
    expect(local.body.max_completion_tokens).toBeUndefined();
    expect(local.warnings).toEqual([]);
    const cloud = buildOpenAIChatRequest('gpt-4o', call, strict);
    expect(cloud.body.top_k).toBeUndefined();
    expect(cloud.warnings.map((w) => w.setting)).toEqual(['topK']);
  });

  it('maps tools and tool choice, and only with tools', () => {
    const { body } = buildOpenAIChatRequest('gpt-4o', { ...base, tools, toolChoice: { type: 'tool', name: 'get_weather' }, parallelToolCalls: false }, strict);
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' }, strict: true } }]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(body.parallel_tool_calls).toBe(false);
    for (const type of ['auto', 'none', 'required'] as const) {
      expect(buildOpenAIChatRequest('gpt-4o', { ...base, tools, toolChoice: { type } }, strict).body.tool_choice).toBe(type);
    }
    const noTools = buildOpenAIChatRequest('gpt-4o', { ...base, toolChoice: { type: 'required' }, parallelToolCalls: true }, strict).body;
    expect(noTools.tool_choice).toBeUndefined();
    expect(noTools.parallel_tool_calls).toBeUndefined();
  });

  it('maps the response format', () => {
    const schema = { type: 'object' };
    expect(buildOpenAIChatRequest('m', { ...base, responseFormat: { type: 'text' } }, strict).body.response_format).toEqual({ type: 'text' });
    expect(buildOpenAIChatRequest('m', { ...base, responseFormat: { type: 'json' } }, strict).body.response_format).toEqual({ type: 'json_object' });
    expect(buildOpenAIChatRequest('m', { ...base, responseFormat: { type: 'json', schema, name: 'answer', strict: true } }, strict).body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true },
    });
    expect(buildOpenAIChatRequest('m', { ...base, responseFormat: { type: 'json', schema } }, strict).body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema },
    });
  });

  it('warns about Ollama route options it cannot send', () => {
    const { warnings } = buildOpenAIChatRequest('m', { ...base, ollama: { numCtx: 8192, keepAlive: '5m' } }, compatible);
    expect(warnings.map((w) => w.setting)).toEqual(['ollama.numCtx', 'ollama.keepAlive']);
  });
});
