import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../core/index.js';
import { parseAnthropicCountTokensRequest } from './anthropic-count-tokens.js';
import { parseAnthropicMessagesRequest } from './anthropic-messages-request.js';

const user = { role: 'user', content: 'Hi' };

function parse(extra: Record<string, unknown>, messages: unknown[] = [user]) {
  return parseAnthropicMessagesRequest({ model: 'claude-x', max_tokens: 256, messages, ...extra });
}

function rejection(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    if (error instanceof InvalidRequestError) return error;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('parseAnthropicMessagesRequest: top-level fields', () => {
  it('converts a minimal request; usage always included', () => {
    expect(parse({})).toEqual({
      call: { model: 'claude-x', maxOutputTokens: 256, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
      stream: false,
      includeUsage: true,
      metadata: {},
      warnings: [],
    });
  });

  it('max_tokens is required, like the real API', () => {
    const error = rejection(() => parseAnthropicMessagesRequest({ model: 'm', messages: [user] }));
    expect(error.param).toBe('max_tokens');
    expect(error.message).toBe('max_tokens: field required (expected number)');
  });

  it('maps sampling, stop sequences, stream, metadata', () => {
    const parsed = parse({
      temperature: 0.3,
      top_p: 0.8,
      top_k: 40,
      stop_sequences: ['\n\nHuman:'],
      stream: true,
      metadata: { user_id: 'u-1', task: 'kb', priority: 1 },
    });
    expect(parsed.call).toMatchObject({ temperature: 0.3, topP: 0.8, topK: 40, stopSequences: ['\n\nHuman:'], user: 'u-1' });
    expect(parsed).toMatchObject({ stream: true, includeUsage: true, metadata: { task: 'kb', priority: '1' } });
  });

  it('temperature is 0–1 here', () => {
    const error = rejection(() => parse({ temperature: 1.5 }));
    expect(error.param).toBe('temperature');
    expect(error.message).toBe('temperature: expected a number <= 1, got number 1.5');
  });

  it('system: string or text blocks without breakpoints → one system message first', () => {
    expect(parse({ system: 'Be terse.' }).call.messages[0]).toEqual({ role: 'system', content: 'Be terse.' });
    const blocks = [
      { type: 'text', text: 'Rules.' },
      { type: 'text', text: '' },
      { type: 'text', text: 'Docs.' },
    ];
    expect(parse({ system: blocks }).call.messages.slice(0, 2)).toEqual([{ role: 'system', content: 'Rules.\n\nDocs.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    expect(parse({ system: '' }).call.messages[0]?.role).toBe('user');
    expect(parse({ system: [{ type: 'text', text: '' }] }).call.messages[0]?.role).toBe('user');
  });

  it.each([
    [{ type: 'auto' }, { type: 'auto' }, undefined],
    [{ type: 'any' }, { type: 'required' }, undefined],
    [{ type: 'none' }, { type: 'none' }, undefined],
    [{ type: 'tool', name: 'weather' }, { type: 'tool', name: 'weather' }, undefined],
    [{ type: 'auto', disable_parallel_tool_use: true }, { type: 'auto' }, false],
    [{ type: 'any', disable_parallel_tool_use: false }, { type: 'required' }, true],
  ])('tool_choice %j → %j, parallelToolCalls %s', (wire, choice, parallel) => {
    const { call } = parse({ tool_choice: wire });
    expect(call.toolChoice).toEqual(choice);
    expect(call.parallelToolCalls).toBe(parallel);
  });

  it('tools → definitions (schema kept by reference)', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const { call } = parse({
      tools: [
        { name: 'weather', description: 'W', input_schema: schema },
        { type: 'custom', name: 'strict_one', input_schema: { type: 'object' }, strict: true },
      ],
    });
    expect(call.tools).toEqual([
      { name: 'weather', description: 'W', inputSchema: schema },
      { name: 'strict_one', inputSchema: { type: 'object' }, strict: true },
    ]);
    expect(call.tools?.[0]?.inputSchema).toBe(schema);
  });

  it('server tools and tools without a schema → 400', () => {
    const server = rejection(() => parse({ tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] }));
    expect(server.param).toBe('tools.0.type');
    expect(server.message).toContain("server tool 'web_search_20250305' is not supported");
    expect(rejection(() => parse({ tools: [{ name: 'x' }] })).param).toBe('tools.0.input_schema');
  });

  it.each([
    [{ thinking: { type: 'enabled', budget_tokens: 2048 } }, 'medium'],
    [{ thinking: { type: 'enabled', budget_tokens: 2048 }, output_config: { effort: 'high' } }, 'high'],
    [{ thinking: { type: 'disabled' } }, 'none'],
    [{ thinking: { type: 'adaptive' } }, undefined],
    [{ output_config: { effort: 'max' } }, 'max'],
    [{}, undefined],
  ])('reasoning effort from %j → %s', (extra, effort) => {
    expect(parse(extra).call.reasoningEffort).toBe(effort);
  });

  it('thinking budget is reported as a warning (no canonical field)', () => {
    expect(parse({ thinking: { type: 'enabled', budget_tokens: 4000 } }).warnings).toEqual([
      { setting: 'thinking.budget_tokens', message: expect.stringContaining("'medium'") },
    ]);
  });

  it('output_config.format and the older output_format → json response format', () => {
    const schema = { type: 'object', properties: {} };
    expect(parse({ output_config: { format: { type: 'json_schema', schema } } }).call.responseFormat).toEqual({ type: 'json', schema });
    expect(parse({ output_format: { type: 'json_schema', schema } }).call.responseFormat).toEqual({ type: 'json', schema });
  });

  it('mcp_servers → 400; service_tier etc. → warnings', () => {
    expect(rejection(() => parse({ mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] })).param).toBe('mcp_servers');
    expect(parse({ mcp_servers: [], service_tier: 'auto', container: 'c1' }).warnings.map((w) => w.setting)).toEqual(['service_tier', 'container']);
  });
});

describe('parseAnthropicMessagesRequest: messages', () => {
  it('user blocks: text, base64 and url images', () => {
    const { call } = parse({}, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
        ],
      },
    ]);
    expect(call.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/a.jpg' } },
        ],
      },
    ]);
  });

  it('assistant blocks: thinking (with signature), text, tool_use (input → arguments text)', () => {
    const { call } = parse({}, [
      user,
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Let me see.', signature: 'sig==' },
          { type: 'redacted_thinking', data: 'xyz' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Tokyo' } },
        ],
      },
    ]);
    expect(call.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Let me see.', signature: 'sig==' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool-call', id: 'toolu_1', name: 'weather', arguments: '{"city":"Tokyo"}' },
      ],
    });
  });

  it('redacted thinking is dropped with a warning; an empty signature is no signature', () => {
    const parsed = parse({}, [
      user,
      { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'a' }, { type: 'redacted_thinking', data: 'b' }, { type: 'thinking', thinking: 'x', signature: '' }] },
    ]);
    expect(parsed.call.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'reasoning', text: 'x' }] });
    expect(parsed.warnings.map((w) => w.setting)).toEqual(['messages.content.redacted_thinking']);
  });

  it('a user turn with tool results → tool message(s) then user message(s), in order, names looked up', () => {
    const { call } = parse({}, [
      user,
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 't1', name: 'weather', input: {} },
          { type: 'tool_use', id: 't2', name: 'time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: '11C' },
          {
            type: 'tool_result',
            tool_use_id: 't2',
            is_error: true,
            content: [
              { type: 'text', text: 'clock broken' },
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } },
            ],
          },
          { type: 'text', text: 'And tomorrow?' },
          { type: 'tool_result', tool_use_id: 'tX' },
        ],
      },
    ]);
    expect(call.messages.slice(2)).toEqual([
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 't1', toolName: 'weather', content: [{ type: 'text', text: '11C' }] },
          {
            type: 'tool-result',
            toolCallId: 't2',
            toolName: 'time',
            isError: true,
            content: [
              { type: 'text', text: 'clock broken' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/' } },
            ],
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'tX', content: [] }] },
    ]);
  });

  it('a system-role message (newer SDK types) → system message in place', () => {
    expect(parse({}, [user, { role: 'system', content: 'Now be formal.' }]).call.messages[1]).toEqual({ role: 'system', content: 'Now be formal.' });
  });

  it.each<[string, unknown[], string, string]>([
    ['document block', [{ role: 'user', content: [{ type: 'document', source: {} }] }], 'messages.0.content.0.type', "'document' blocks are not supported by this gateway"],
    ['file image source', [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }], 'messages.0.content.0.source.type', 'not supported'],
    ['tool_use in a user turn', [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }], 'messages.0.content.0.type', 'not allowed in user messages'],
    ['tool_result in an assistant turn', [user, { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'a' }] }], 'messages.1.content.0.type', 'not allowed in assistant messages'],
    ['server tool use', [user, { role: 'assistant', content: [{ type: 'server_tool_use', id: 'a', name: 'web_search', input: {} }] }], 'messages.1.content.0.type', 'not supported'],
    ['document in a tool result', [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'document' }] }] }], 'messages.0.content.0.content.0.type', 'not supported'],
  ])('%s → 400', (_name, messages, param, message) => {
    const error = rejection(() => parse({}, messages));
    expect(error.param).toBe(param);
    expect(error.message).toContain(message);
  });
});

describe('parseAnthropicMessagesRequest: prompt-cache breakpoints (cache_control)', () => {
  const ephemeral = { type: 'ephemeral' };
  const hour = { type: 'ephemeral', ttl: '1h' };

  it('system blocks with a breakpoint → one system message per block, each with its own', () => {
    const { call } = parse({
      system: [
        { type: 'text', text: 'Rules.', cache_control: ephemeral },
        { type: 'text', text: '' },
        { type: 'text', text: 'Docs.', cache_control: hour },
        { type: 'text', text: 'Today is Monday.' },
      ],
    });
    expect(call.messages).toEqual([
      { role: 'system', content: 'Rules.', cacheControl: {} },
      { role: 'system', content: 'Docs.', cacheControl: { ttl: '1h' } },
      { role: 'system', content: 'Today is Monday.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    ]);
  });

  it('a system-role message with a breakpoint keeps it too', () => {
    const { call } = parse({}, [user, { role: 'system', content: [{ type: 'text', text: 'Now be formal.', cache_control: { type: 'ephemeral', ttl: '5m' } }] }]);
    expect(call.messages[1]).toEqual({ role: 'system', content: 'Now be formal.', cacheControl: { ttl: '5m' } });
  });

  it('user, assistant and tool_result blocks (and blocks inside a result) carry their breakpoint', () => {
    const { call } = parse({}, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look.', cache_control: ephemeral },
          { type: 'image', source: { type: 'url', url: 'https://x/a.png' }, cache_control: hour },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.', cache_control: ephemeral },
          { type: 'tool_use', id: 't1', name: 'weather', input: {}, cache_control: ephemeral },
          { type: 'thinking', thinking: 'x', signature: 's', cache_control: ephemeral },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '11C', cache_control: hour }], cache_control: ephemeral },
          { type: 'text', text: 'And tomorrow?', cache_control: ephemeral },
        ],
      },
    ]);
    expect(call.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look.', cacheControl: {} },
          { type: 'image', source: { kind: 'url', url: 'https://x/a.png' }, cacheControl: { ttl: '1h' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.', cacheControl: {} },
          { type: 'tool-call', id: 't1', name: 'weather', arguments: '{}', cacheControl: {} },
          // The API refuses breakpoints on thinking blocks; there is nothing to carry.
          { type: 'reasoning', text: 'x', signature: 's' },
        ],
      },
      {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'weather', content: [{ type: 'text', text: '11C', cacheControl: { ttl: '1h' } }], cacheControl: {} }],
      },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?', cacheControl: {} }] },
    ]);
  });

  it('tools and top level (automatic caching)', () => {
    const { call } = parse({
      tools: [
        { name: 'a', input_schema: { type: 'object' } },
        { name: 'b', input_schema: { type: 'object' }, cache_control: hour },
      ],
      cache_control: ephemeral,
    });
    expect(call.tools).toEqual([
      { name: 'a', inputSchema: { type: 'object' } },
      { name: 'b', inputSchema: { type: 'object' }, cacheControl: { ttl: '1h' } },
    ]);
    expect(call.cacheControl).toEqual({});
    expect(parse({ cache_control: hour }).call.cacheControl).toEqual({ ttl: '1h' });
  });

  it('more than 4 breakpoints are passed on as given (the upstream decides)', () => {
    const blocks = Array.from({ length: 6 }, (_, k) => ({ type: 'text', text: `part ${k}`, cache_control: ephemeral }));
    const { call, warnings } = parse({}, [{ role: 'user', content: blocks }]);
    expect(call.messages[0]?.content).toHaveLength(6);
    expect(warnings).toEqual([]);
  });

  it.each([[{ type: 'persistent' }], [{ type: 'ephemeral_v2', ttl: '1d' }], [null], ['ephemeral'], [{}]])('cache_control %j (not an ephemeral breakpoint) is ignored, no error', (wire) => {
    const { call, warnings } = parse({ cache_control: wire, system: [{ type: 'text', text: 'S', cache_control: wire }] }, [
      { role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: wire }] },
    ]);
    expect(call).toEqual({
      model: 'claude-x',
      maxOutputTokens: 256,
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      ],
    });
    expect(warnings).toEqual([]);
  });

  it('an ephemeral breakpoint with an unknown ttl → 400 naming the field', () => {
    const error = rejection(() => parse({ system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral', ttl: '24h' } }] }));
    expect(error.param).toBe('system.0.cache_control.ttl');
    expect(error.message).toBe("system.0.cache_control.ttl: expected one of '5m', '1h', got '24h'");
    expect(rejection(() => parse({ cache_control: { type: 'ephemeral', ttl: 5 } })).param).toBe('cache_control.ttl');
  });

  it('count_tokens reads them too', () => {
    const parsed = parseAnthropicCountTokensRequest({ model: 'm', messages: [user], system: [{ type: 'text', text: 'S', cache_control: ephemeral }], cache_control: ephemeral });
    expect(parsed.call.messages[0]).toEqual({ role: 'system', content: 'S', cacheControl: {} });
    expect(parsed.call.cacheControl).toEqual({});
  });
});

describe('parseAnthropicMessagesRequest: validation messages name the field', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['content of the wrong type', { messages: [user, { role: 'assistant', content: 1 }] }, 'messages.1.content', 'messages.1.content: expected string or array of content blocks, got integer 1'],
    ['unknown role', { messages: [{ role: 'human', content: 'x' }] }, 'messages.0.role', "got 'human'"],
    ['unknown block type', { messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'messages.0.content.0.type', "got 'video'"],
    ['tool_use input not an object', { messages: [user, { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: 'x' }] }] }, 'messages.1.content.0.input', 'expected a JSON object'],
    ['tool_result content wrong', { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 3 }] }] }, 'messages.0.content.0.content', 'expected string or array of content blocks'],
    ['system wrong', { system: 5 }, 'system', 'expected string or array of text blocks'],
    ['tool_choice type', { tool_choice: { type: 'sometimes' } }, 'tool_choice.type', "got 'sometimes'"],
    ['tool_choice tool without name', { tool_choice: { type: 'tool' } }, 'tool_choice.name', 'field required'],
    ['metadata.user_id wrong', { metadata: { user_id: 5 } }, 'metadata.user_id', 'expected string, got integer 5'],
    ['thinking without budget', { thinking: { type: 'enabled' } }, 'thinking.budget_tokens', 'field required'],
    ['effort unknown', { output_config: { effort: 'minimal' } }, 'output_config.effort', "got 'minimal'"],
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens', 'expected a number >= 1'],
    ['no messages', { messages: [] }, 'messages', 'expected at least 1 item'],
  ])('%s', (_name, extra, param, message) => {
    const error = rejection(() => parseAnthropicMessagesRequest({ model: 'm', max_tokens: 10, messages: [user], ...extra }));
    expect(error.param).toBe(param);
    expect(error.message).toContain(message);
  });
});

describe('parseAnthropicCountTokensRequest', () => {
  it('is the messages body without max_tokens/stream', () => {
    const parsed = parseAnthropicCountTokensRequest({ model: 'claude-x', system: 'S', messages: [user], tools: [{ name: 't', input_schema: { type: 'object' } }] });
    expect(parsed.stream).toBe(false);
    expect(parsed.call.maxOutputTokens).toBeUndefined();
    expect(parsed.call.messages).toHaveLength(2);
    expect(parsed.call.tools).toHaveLength(1);
  });

  it('ignores max_tokens and stream if sent, and validates the rest', () => {
    expect(parseAnthropicCountTokensRequest({ model: 'm', messages: [user], max_tokens: 5, stream: true }).stream).toBe(false);
    expect(rejection(() => parseAnthropicCountTokensRequest({ model: 'm', messages: [{ role: 'user', content: null }] })).param).toBe('messages.0.content');
  });
});
