import { describe, expect, it } from 'vitest';
import type { ChatCall } from '../../core/index.js';
import { fixture } from '../shared/testing/test-server.js';
import { buildAnthropicRequest, JSON_MODE_INSTRUCTION } from './build-anthropic-request.js';

const base: ChatCall = { model: 'alias', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
const tools = [{ name: 'get_weather', description: 'Weather', inputSchema: { type: 'object' }, strict: true }];
const mode = { stream: false, defaultMaxTokens: 4096 };

describe('buildAnthropicRequest', () => {
  it('always sends max_tokens, defaulting when the call has none', () => {
    expect(buildAnthropicRequest('claude-haiku-5-5', base, mode)).toEqual({
      body: { model: 'claude-haiku-5-5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      warnings: [],
    });
    expect(buildAnthropicRequest('m', { ...base, maxOutputTokens: 99 }, { stream: true, defaultMaxTokens: 1 }).body).toMatchObject({ max_tokens: 99, stream: true });
  });

  it('maps sampling settings and the end-user id', () => {
    const { body, warnings } = buildAnthropicRequest('m', { ...base, temperature: 0.5, topP: 0.9, topK: 5, stopSequences: ['END'], user: 'u-1' }, mode);
    expect(body).toMatchObject({ temperature: 0.5, top_p: 0.9, top_k: 5, stop_sequences: ['END'], metadata: { user_id: 'u-1' } });
    expect(warnings).toEqual([]);
  });

  it('clamps temperature to 0–1 and warns', () => {
    const { body, warnings } = buildAnthropicRequest('m', { ...base, temperature: 1.7 }, mode);
    expect(body.temperature).toBe(1);
    expect(warnings).toEqual([{ setting: 'temperature', message: expect.stringContaining('1.7') }]);
  });

  it('warns for seed, penalties and Ollama options', () => {
    const { body, warnings } = buildAnthropicRequest('m', { ...base, seed: 1, frequencyPenalty: 0.1, presencePenalty: 0.1, ollama: { numCtx: 1, keepAlive: 0 } }, mode);
    expect(body).not.toHaveProperty('seed');
    expect(warnings.map((w) => w.setting)).toEqual(['seed', 'frequencyPenalty', 'presencePenalty', 'ollama.numCtx', 'ollama.keepAlive']);
  });

  it('maps tools and every tool choice', () => {
    const { body } = buildAnthropicRequest('m', { ...base, tools }, mode);
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' }, strict: true }]);
    expect(body.tool_choice).toBeUndefined();
    const choice = (call: Partial<ChatCall>) => buildAnthropicRequest('m', { ...base, tools, ...call }, mode).body.tool_choice;
    expect(choice({ toolChoice: { type: 'none' } })).toEqual({ type: 'none' });
    expect(choice({ toolChoice: { type: 'auto' } })).toEqual({ type: 'auto' });
    expect(choice({ toolChoice: { type: 'required' } })).toEqual({ type: 'any' });
    expect(choice({ toolChoice: { type: 'tool', name: 'get_weather' } })).toEqual({ type: 'tool', name: 'get_weather' });
    expect(choice({ parallelToolCalls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice({ toolChoice: { type: 'required' }, parallelToolCalls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(choice({ toolChoice: { type: 'none' }, parallelToolCalls: false })).toEqual({ type: 'none' });
    expect(choice({ parallelToolCalls: true })).toBeUndefined();
  });

  it('maps a JSON schema to output_config.format, and JSON mode to a system instruction with a warning', () => {
    const schema = { type: 'object' };
    expect(buildAnthropicRequest('m', { ...base, responseFormat: { type: 'json', schema } }, mode).body.output_config).toEqual({
      format: { type: 'json_schema', schema },
    });
    const jsonMode = buildAnthropicRequest('m', { ...base, messages: [{ role: 'system', content: 'Be terse.' }, ...base.messages], responseFormat: { type: 'json' } }, mode);
    expect(jsonMode.body.system).toBe(`Be terse.\n\n${JSON_MODE_INSTRUCTION}`);
    expect(jsonMode.warnings.map((w) => w.setting)).toEqual(['responseFormat']);
  });

  it.each([
    ['low', 'low', 0],
    ['medium', 'medium', 0],
    ['high', 'high', 0],
    ['xhigh', 'xhigh', 0],
    ['max', 'max', 0],
    ['minimal', 'low', 1],
  ] as const)('maps reasoningEffort %s to output_config.effort %s', (effort, wire, warningCount) => {
    const { body, warnings } = buildAnthropicRequest('m', { ...base, reasoningEffort: effort }, mode);
    expect(body.output_config).toEqual({ effort: wire });
    expect(warnings).toHaveLength(warningCount);
  });

  it('turns thinking off for reasoningEffort none, keeping a schema format', () => {
    const { body } = buildAnthropicRequest('m', { ...base, reasoningEffort: 'none', responseFormat: { type: 'json', schema: {} } }, mode);
    expect(body.thinking).toEqual({ type: 'disabled' });
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: {} } });
  });

  it('sends prompt-cache breakpoints where they were given: tools, system blocks, tool results, top level (fixture)', async () => {
    const call: ChatCall = {
      model: 'cloud-fast',
      maxOutputTokens: 1024,
      messages: [
        { role: 'system', content: 'You are a weather assistant. Answer in one sentence.', cacheControl: { ttl: '1h' } },
        { role: 'system', content: 'Today is Monday.' },
        { role: 'user', content: [{ type: 'text', text: 'What is the weather in Tokyo?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool-call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_01A', content: [{ type: 'text', text: '11C, light rain' }], cacheControl: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      ],
      tools: [
        { name: 'get_time', inputSchema: { type: 'object', properties: { zone: { type: 'string' } } } },
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          cacheControl: { ttl: '1h' },
        },
      ],
      cacheControl: {},
    };
    const expected: unknown = JSON.parse(await fixture(new URL('./__fixtures__/messages-request-cache-control.json', import.meta.url)));
    const { body, warnings } = buildAnthropicRequest('claude-haiku-5-5', call, mode);
    expect(body).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('keeps the system a string without breakpoints, and puts the JSON-mode instruction after cached system blocks', () => {
    const system = (messages: ChatCall['messages']) => buildAnthropicRequest('m', { ...base, messages: [...messages, ...base.messages], responseFormat: { type: 'json' } }, mode).body.system;
    expect(system([{ role: 'system', content: 'A' }])).toBe(`A\n\n${JSON_MODE_INSTRUCTION}`);
    expect(system([{ role: 'system', content: 'A', cacheControl: {} }])).toEqual([
      { type: 'text', text: 'A', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: JSON_MODE_INSTRUCTION },
    ]);
  });

  it('passes more than 4 breakpoints on as given, without a warning: the upstream 400 names the rule', () => {
    const content = Array.from({ length: 5 }, (_, k) => ({ type: 'text' as const, text: `part ${k}`, cacheControl: {} }));
    const { body, warnings } = buildAnthropicRequest('m', { ...base, messages: [{ role: 'user', content }] }, mode);
    expect(body.messages[0]?.content.filter((block) => 'cache_control' in block)).toHaveLength(5);
    expect(warnings).toEqual([]);
  });
});
