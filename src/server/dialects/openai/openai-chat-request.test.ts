import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../core/index.js';
import { parseOpenAIChatRequest } from './openai-chat-request.js';

const user = { role: 'user', content: 'Hi' };

function parse(extra: Record<string, unknown>, messages: unknown[] = [user]) {
  return parseOpenAIChatRequest({ model: 'gpt-x', messages, ...extra });
}

/** Runs `fn`, expecting an InvalidRequestError; returns it. */
function rejection(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    if (error instanceof InvalidRequestError) return error;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('parseOpenAIChatRequest: top-level fields', () => {
  it('converts a minimal request, model kept as sent', () => {
    expect(parse({})).toEqual({
      call: { model: 'gpt-x', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
      stream: false,
      includeUsage: false,
      metadata: {},
      warnings: [],
    });
  });

  it('maps sampling and limits', () => {
    const { call } = parse({
      temperature: 1.5,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: 'END',
      seed: 7,
      frequency_penalty: -1,
      presence_penalty: 2,
      reasoning_effort: 'high',
      user: 'u-old',
      safety_identifier: 'u-new',
      parallel_tool_calls: false,
    });
    expect(call).toMatchObject({
      temperature: 1.5,
      topP: 0.9,
      maxOutputTokens: 200,
      stopSequences: ['END'],
      seed: 7,
      frequencyPenalty: -1,
      presencePenalty: 2,
      reasoningEffort: 'high',
      user: 'u-new',
      parallelToolCalls: false,
    });
  });

  it('accepts max_tokens alone, stop arrays, user alone', () => {
    expect(parse({ max_tokens: 50, stop: ['a', 'b'], user: 'u' }).call).toMatchObject({ maxOutputTokens: 50, stopSequences: ['a', 'b'], user: 'u' });
  });

  it('treats null as absent (clients send nulls)', () => {
    const { call } = parse({ temperature: null, max_tokens: null, stop: null, tools: null, tool_choice: null, n: null, logprobs: null, stream_options: null });
    expect(call).toEqual({ model: 'gpt-x', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
  });

  it('ignores unknown fields', () => {
    expect(() => parse({ some_future_field: { x: 1 }, store: false })).not.toThrow();
  });

  it('stream and include_usage', () => {
    expect(parse({ stream: true })).toMatchObject({ stream: true, includeUsage: false });
    expect(parse({ stream: true, stream_options: { include_usage: true } })).toMatchObject({ stream: true, includeUsage: true });
    expect(parse({ stream: false, stream_options: { include_usage: true } })).toMatchObject({ stream: false, includeUsage: false });
  });

  it('metadata: strings kept, numbers and booleans stringified', () => {
    expect(parse({ metadata: { task: 'summarise', priority: 2, batch: true } }).metadata).toEqual({ task: 'summarise', priority: '2', batch: 'true' });
  });

  it.each([
    [{ type: 'text' }, { type: 'text' }],
    [{ type: 'json_object' }, { type: 'json' }],
    [
      { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object' }, strict: true } },
      { type: 'json', name: 'person', schema: { type: 'object' }, strict: true },
    ],
    [{ type: 'json_schema', json_schema: { name: 'x' } }, { type: 'json', name: 'x' }],
  ])('response_format %j → %j', (wire, canonical) => {
    expect(parse({ response_format: wire }).call.responseFormat).toEqual(canonical);
  });

  it.each([
    ['none', { type: 'none' }],
    ['auto', { type: 'auto' }],
    ['required', { type: 'required' }],
    [{ type: 'function', function: { name: 'f' } }, { type: 'tool', name: 'f' }],
  ])('tool_choice %j → %j', (wire, canonical) => {
    expect(parse({ tool_choice: wire }).call.toolChoice).toEqual(canonical);
  });

  it('tools → definitions; absent parameters become an empty object schema', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const { call } = parse({
      tools: [
        { type: 'function', function: { name: 'weather', description: 'W', parameters: schema, strict: true } },
        { type: 'function', function: { name: 'now' } },
      ],
    });
    expect(call.tools).toEqual([
      { name: 'weather', description: 'W', inputSchema: schema, strict: true },
      { name: 'now', inputSchema: { type: 'object', properties: {} } },
    ]);
    expect(call.tools?.[0]?.inputSchema).toBe(schema);
  });

  it('reports accepted-but-not-carried fields as warnings', () => {
    const { warnings } = parse({ store: true, service_tier: 'flex', prediction: { type: 'content', content: 'x' } }, [
      { role: 'user', content: 'Hi', name: 'alice' },
    ]);
    expect(warnings.map((w) => w.setting).sort()).toEqual(['messages.name', 'prediction', 'service_tier', 'store']);
  });
});

describe('parseOpenAIChatRequest: messages', () => {
  it('system and developer → system, text parts joined', () => {
    const { call } = parse({}, [
      { role: 'system', content: 'A' },
      { role: 'developer', content: [{ type: 'text', text: 'B' }, { type: 'text', text: 'C' }] },
      user,
    ]);
    expect(call.messages.slice(0, 2)).toEqual([
      { role: 'system', content: 'A' },
      { role: 'system', content: 'B\n\nC' },
    ]);
  });

  it('user parts: text, image data URI → base64, https → url', () => {
    const { call } = parse({}, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAA', detail: 'low' } },
          { type: 'image_url', image_url: 'https://example.com/cat.jpg' },
          { type: 'image_url', image_url: { url: 'data:;base64,/9j/4AAQ' } },
        ],
      },
    ]);
    expect(call.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgoAAA' } },
        { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
      ],
    });
  });

  it.each([
    ['data:image/png,abc', 'base64-encoded'],
    ['data:image/png;base64', 'malformed data URI'],
    ['data:;base64,AAAA', 'names no media type'],
    ['file:///etc/passwd', 'http(s) URL or a base64 data URI'],
  ])('image url %s → 400 at the url', (url, message) => {
    const error = rejection(() => parse({}, [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }]));
    expect(error.param).toBe('messages.0.content.0.image_url.url');
    expect(error.message).toContain(message);
  });

  it.each(['input_audio', 'file'])('%s parts → 400 "not supported by this gateway"', (type) => {
    const error = rejection(() => parse({}, [user, { role: 'user', content: [{ type: 'text', text: 'x' }, { type, [type]: {} }] }]));
    expect(error.param).toBe('messages.1.content.1.type');
    expect(error.message).toContain('not supported by this gateway');
  });

  it('assistant tool calls → tool-call parts (arguments kept verbatim); tool messages → one tool message with names looked up', () => {
    const args = '{"city": "Tokyo" }';
    const { call } = parse({}, [
      user,
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: args } },
          { id: 'call_2', type: 'function', function: { name: 'time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '11C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'noon' }] },
      { role: 'tool', tool_call_id: 'call_unknown', content: '' },
      { role: 'user', content: 'thanks' },
    ]);
    expect(call.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', id: 'call_1', name: 'weather', arguments: args },
          { type: 'tool-call', id: 'call_2', name: 'time', arguments: '{}' },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'call_1', toolName: 'weather', content: [{ type: 'text', text: '11C' }] },
          { type: 'tool-result', toolCallId: 'call_2', toolName: 'time', content: [{ type: 'text', text: 'noon' }] },
          { type: 'tool-result', toolCallId: 'call_unknown', content: [] },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]);
  });

  it('assistant text: "" with tool calls dropped, text kept, refusal parts as text', () => {
    const { call } = parse({}, [
      user,
      { role: 'assistant', content: '', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '' } }] },
      { role: 'assistant', content: 'Sure.' },
      { role: 'assistant', content: [{ type: 'text', text: 'A' }, { type: 'refusal', refusal: 'No.' }] },
      { role: 'assistant', refusal: 'I cannot.' },
    ]);
    expect(call.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: 'f', arguments: '' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'No.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'I cannot.' }] },
    ]);
  });
});

describe('parseOpenAIChatRequest: refusals', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['n > 1', { n: 2 }, 'n', 'n > 1 is not supported'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias', 'not supported'],
    ['logprobs', { logprobs: true }, 'logprobs', 'not supported'],
    ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs', 'not supported'],
    ['audio output', { modalities: ['text', 'audio'], audio: { voice: 'x', format: 'mp3' } }, 'audio', 'not supported'],
    ['audio modality', { modalities: ['audio'] }, 'modalities', 'text'],
    ['web search', { web_search_options: {} }, 'web_search_options', 'not supported'],
    ['legacy functions', { functions: [{ name: 'f' }] }, 'functions', "use 'tools'"],
    ['legacy function_call', { function_call: 'auto' }, 'function_call', "use 'tool_choice'"],
    ['custom tools', { tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools.0.type', 'custom tools'],
    ['allowed_tools', { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }, 'tool_choice.type', 'not supported'],
  ])('%s → 400', (_name, extra, param, message) => {
    const error = rejection(() => parse(extra));
    expect(error.param).toBe(param);
    expect(error.message).toContain(message);
    expect(error.status).toBe(400);
  });

  it('allows the harmless forms: n = 1, empty logit_bias, logprobs false, text modality', () => {
    expect(() => parse({ n: 1, logit_bias: {}, logprobs: false, top_logprobs: 0, modalities: ['text'] })).not.toThrow();
  });

  it('legacy function role → 400', () => {
    expect(rejection(() => parse({}, [user, { role: 'function', name: 'f', content: 'x' }])).param).toBe('messages.1.role');
  });
});

describe('parseOpenAIChatRequest: validation messages name the field', () => {
  it.each<[string, unknown, string, string]>([
    ['body not an object', [], '', 'Request body: expected object, got array (0 items)'],
    ['missing model', { messages: [user] }, 'model', 'model: field required (expected string)'],
    ['empty messages', { model: 'm', messages: [] }, 'messages', 'messages: expected at least 1 item, got array (0 items)'],
    ['unknown role', { model: 'm', messages: [{ role: 'bot', content: 'x' }] }, 'messages.0.role', "messages.0.role: expected one of 'system', 'developer', 'user', 'assistant', 'tool', 'function', got 'bot'"],
    [
      'content of the wrong type',
      { model: 'm', messages: [user, user, { role: 'user', content: 5 }] },
      'messages.2.content',
      'messages.2.content: expected string or array of content parts, got integer 5',
    ],
    ['part text of the wrong type', { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] }, 'messages.0.content.0.text', 'messages.0.content.0.text: expected string, got integer 1'],
    ['unknown part type', { model: 'm', messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'messages.0.content.0.type', "got 'video'"],
    ['image part in a system message', { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: 'x' }] }] }, 'messages.0.content.0.type', "expected 'text', got 'image_url'"],
    ['tool without id', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.tool_call_id', 'field required'],
    ['temperature > 2', { model: 'm', messages: [user], temperature: 2.5 }, 'temperature', 'temperature: expected a number <= 2, got number 2.5'],
    ['temperature < 0', { model: 'm', messages: [user], temperature: -1 }, 'temperature', 'expected a number >= 0'],
    ['temperature as string', { model: 'm', messages: [user], temperature: '1' }, 'temperature', "expected number, got '1'"],
    ['fractional max_tokens', { model: 'm', messages: [user], max_tokens: 1.5 }, 'max_tokens', 'expected integer'],
    ['tool_choice string', { model: 'm', messages: [user], tool_choice: 'sometimes' }, 'tool_choice', "expected 'none', 'auto', 'required'"],
    ['tool_choice without name', { model: 'm', messages: [user], tool_choice: { type: 'function', function: {} } }, 'tool_choice.function.name', 'field required'],
    ['tool call without function', { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'x' }] }] }, 'messages.0.tool_calls.0.function', 'field required'],
    ['stop as number', { model: 'm', messages: [user], stop: 5 }, 'stop', 'expected string or array of strings'],
    ['metadata value object', { model: 'm', messages: [user], metadata: { a: {} } }, 'metadata.a', 'expected string'],
    ['reasoning_effort unknown', { model: 'm', messages: [user], reasoning_effort: 'extreme' }, 'reasoning_effort', "got 'extreme'"],
    ['tool parameters not an object', { model: 'm', messages: [user], tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }, 'tools.0.function.parameters', 'expected a JSON object'],
  ])('%s', (_name, body, param, message) => {
    const error = rejection(() => parseOpenAIChatRequest(body));
    expect(error.param ?? '').toBe(param);
    expect(error.message).toContain(message);
  });
});
