import { describe, expect, it } from 'vitest';
import type { ChatCall } from '../../core/index.js';
import { buildOllamaChatRequest } from './build-ollama-chat-request.js';

const base: ChatCall = { model: 'ignored-alias', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
const tool = { name: 'get_weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } };
const tools = [tool];

describe('buildOllamaChatRequest', () => {
  it('always sends stream and sends nothing the call did not set', () => {
    expect(buildOllamaChatRequest('llama3.2', base, false)).toEqual({
      body: { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false },
      warnings: [],
    });
    expect(buildOllamaChatRequest('llama3.2', base, true).body.stream).toBe(true);
  });

  it('maps sampling, limits and route options', () => {
    const { body, warnings } = buildOllamaChatRequest(
      'm',
      {
        ...base,
        maxOutputTokens: 512,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        seed: 42,
        stopSequences: ['\n\n'],
        frequencyPenalty: 0.1,
        presencePenalty: 0.3,
        ollama: { numCtx: 8192, keepAlive: '10m' },
      },
      false,
    );
    expect(body.options).toEqual({
      num_predict: 512,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 42,
      stop: ['\n\n'],
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
      num_ctx: 8192,
    });
    expect(body.keep_alive).toBe('10m');
    expect(warnings).toEqual([]);
  });

  it('sends tools OpenAI-style; toolChoice none omits them', () => {
    expect(buildOllamaChatRequest('m', { ...base, tools }, false).body.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: tool.inputSchema } },
    ]);
    const none = buildOllamaChatRequest('m', { ...base, tools, toolChoice: { type: 'none' } }, false);
    expect(none.body.tools).toBeUndefined();
    expect(none.warnings).toEqual([]);
  });

  it('warns for tool settings Ollama cannot honour', () => {
    const required = buildOllamaChatRequest('m', { ...base, tools: [{ ...tool, strict: true }], toolChoice: { type: 'required' }, parallelToolCalls: false }, false);
    expect(required.body.tools).toHaveLength(1);
    expect(required.warnings.map((w) => w.setting)).toEqual(['tools', 'toolChoice', 'parallelToolCalls']);
    const named = buildOllamaChatRequest('m', { ...base, tools, toolChoice: { type: 'tool', name: 'get_weather' } }, false);
    expect(named.warnings.map((w) => w.setting)).toEqual(['toolChoice']);
  });

  it('maps the response format to `format`', () => {
    expect(buildOllamaChatRequest('m', { ...base, responseFormat: { type: 'json' } }, false).body.format).toBe('json');
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    expect(buildOllamaChatRequest('m', { ...base, responseFormat: { type: 'json', schema } }, false).body.format).toEqual(schema);
    expect(buildOllamaChatRequest('m', { ...base, responseFormat: { type: 'text' } }, false).body.format).toBeUndefined();
  });

  it.each([
    ['none', false, 0],
    ['minimal', 'low', 1],
    ['low', 'low', 0],
    ['medium', 'medium', 0],
    ['high', 'high', 0],
    ['xhigh', 'high', 1],
    ['max', 'max', 0],
  ] as const)('maps reasoningEffort %s to think %s', (effort, think, warningCount) => {
    const { body, warnings } = buildOllamaChatRequest('m', { ...base, reasoningEffort: effort }, false);
    expect(body.think).toBe(think);
    expect(warnings).toHaveLength(warningCount);
  });

  it('warns that there is no end-user field', () => {
    expect(buildOllamaChatRequest('m', { ...base, user: 'u-1' }, false).warnings).toEqual([{ setting: 'user', message: expect.any(String) }]);
  });
});
