import { afterEach, describe, expect, it } from 'vitest';
import { ClientAbortError, ProviderCallError, type ChatCall, type Provider, type StreamPart } from '../../core/index.js';
import { collect, fixture, replay, startTestServer, type TestHandler, type TestServer } from '../shared/testing/test-server.js';
import { createAnthropic } from './create-anthropic.js';

const call: ChatCall = {
  model: 'alias',
  messages: [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: [{ type: 'text', text: 'Make a file.' }] },
  ],
  tools: [{ name: 'make_file', inputSchema: { type: 'object', properties: { filename: { type: 'string' } } } }],
  temperature: 0.3,
};
const SSE = { contentType: 'text/event-stream' };

let server: TestServer;
let provider: Provider;
afterEach(async () => {
  await provider.close();
  await server.close();
});

async function setup(handler: TestHandler): Promise<Provider> {
  server = await startTestServer(handler);
  provider = createAnthropic({ baseUrl: server.url, apiKey: 'sk-ant', defaultMaxTokens: 1024 });
  return provider;
}

function events(...list: Array<[string, unknown]>): string {
  return list.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}
const messageStart: [string, unknown] = ['message_start', { type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 5, output_tokens: 1 } } }];
const textStart: [string, unknown] = ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }];
const textDelta: [string, unknown] = ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }];

function errorOf(parts: StreamPart[]): unknown {
  const last = parts.at(-1);
  return last?.type === 'error' ? last.error : undefined;
}

describe('AnthropicChatModel.stream', () => {
  it('translates the full event sequence: ping and unknown events ignored, tool index counts tools only', async () => {
    const body = await fixture(new URL('./__fixtures__/messages-stream.txt', import.meta.url));
    await setup((_req, res) => replay(res, body, { ...SSE, chunkSize: 13, headers: { 'request-id': 'req_018' } }));
    const parts = await collect(await provider.chatModel('claude-opus-4-8').stream(call, { requestId: 'ours' }));

    const request = server.requests[0];
    expect(request?.url).toBe('/v1/messages');
    expect(request?.headers).toMatchObject({ 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(server.json()).toEqual({
      model: 'claude-opus-4-8',
      max_tokens: 1024,
      system: 'Be terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Make a file.' }] }],
      stream: true,
      tools: [{ name: 'make_file', input_schema: { type: 'object', properties: { filename: { type: 'string' } } } }],
      temperature: 0.3,
    });
    expect(parts).toEqual([
      {
        type: 'stream-start',
        response: { id: 'msg_1', model: 'claude-opus-4-8', upstreamRequestId: 'req_018' },
        warnings: [],
        // What message_start said, so a client's own message_start can show the cache counts.
        usage: expect.objectContaining({ inputTokens: { total: 1135, noCache: 11, cacheRead: 1024, cacheWrite: 100 } }),
      },
      { type: 'reasoning-delta', delta: 'Need a file.' },
      { type: 'reasoning-signature', signature: 'sig-123' },
      { type: 'text-delta', delta: 'Hello' },
      // Block index 2, but the first tool call: index 0. The empty first fragment is skipped.
      { type: 'tool-call-start', index: 0, id: 'toolu_01E', name: 'make_file' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"filename": "a.txt' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"}' },
      // A parameterless tool streams no JSON; its arguments are still an object.
      { type: 'tool-call-start', index: 1, id: 'toolu_02F', name: 'list_files' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      {
        type: 'finish',
        finishReason: { unified: 'tool-calls', raw: 'tool_use' },
        usage: expect.objectContaining({
          // message_start's input/cache counts + message_delta's cumulative output count.
          inputTokens: { total: 1135, noCache: 11, cacheRead: 1024, cacheWrite: 100 },
          outputTokens: { total: 42, text: undefined, reasoning: undefined },
        }),
      },
    ]);
  });

  it('turns event: error into an error part with the overload code', async () => {
    await setup((_req, res) =>
      replay(res, events(messageStart, textStart, textDelta, ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]), SSE),
    );
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_overloaded', isRetryable: true, status: 503, upstreamStatus: 200 });
  });

  it('reports a stream without message_stop as upstream_bad_response', async () => {
    await setup((_req, res) => replay(res, events(messageStart, textStart, textDelta), SSE));
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response', status: 502 });
  });

  it('reports malformed event data as upstream_bad_response', async () => {
    await setup((_req, res) => replay(res, `${events(messageStart)}event: content_block_start\ndata: {"type":"content_bl\n\n`, SSE));
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'error']);
    expect(errorOf(parts)).toBeInstanceOf(ProviderCallError);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response' });
  });

  it('rejects before the first byte: 529 overloaded, 429 with retry-after, 404 model', async () => {
    const statuses: Array<[number, string, Record<string, string>]> = [
      [529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', {}],
      [429, '{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}', { 'retry-after': '12' }],
      [404, '{"type":"error","error":{"type":"not_found_error","message":"model: claude-x"},"request_id":"req_1"}', {}],
    ];
    let n = 0;
    await setup((_req, res) => {
      const [status, body, headers] = statuses[n++] ?? [500, '', {}];
      return replay(res, body, { status, headers });
    });
    const model = provider.chatModel('m');
    const errors = [];
    for (let i = 0; i < statuses.length; i += 1) errors.push(await model.stream(call).catch((e: unknown) => e));
    expect(errors[0]).toMatchObject({ code: 'upstream_overloaded', status: 503, upstreamStatus: 529, isRetryable: true, message: expect.stringContaining('Overloaded') });
    expect(errors[1]).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSeconds: 12, isRetryable: true });
    expect(errors[2]).toMatchObject({ code: 'model_not_found', status: 404, isRetryable: false, message: expect.stringContaining('claude-x') });
  });

  it('aborts mid-stream: the reason is rethrown and the upstream socket closes', async () => {
    await setup((_req, res) => replay(res, events(messageStart, textStart, textDelta), { ...SSE, keepOpen: true }));
    const controller = new AbortController();
    const iterator = (await provider.chatModel('m').stream(call, { signal: controller.signal }))[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    const reason = new ClientAbortError();
    const pending = iterator.next();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await server.requests[0]?.closed;
  });

  it('closes the upstream when the consumer stops early', async () => {
    await setup((_req, res) => replay(res, events(messageStart, textStart, textDelta), { ...SSE, keepOpen: true }));
    for await (const part of await provider.chatModel('m').stream(call)) {
      if (part.type === 'text-delta') break;
    }
    await server.requests[0]?.closed;
  });
});

describe('AnthropicChatModel.generate', () => {
  it('translates the message (PROTOCOLS §3.4)', async () => {
    const body = await fixture(new URL('./__fixtures__/messages-response.json', import.meta.url));
    await setup((_req, res) => replay(res, body, { headers: { 'request-id': 'req_9' } }));
    const result = await provider.chatModel('claude-opus-4-8').generate({ ...call, temperature: 2, seed: 3 });
    expect(server.json()).toMatchObject({ temperature: 1 });
    expect(server.json()).not.toHaveProperty('stream');
    expect(result).toEqual({
      content: [
        { type: 'reasoning', text: 'Check the weather.', signature: 'sig-abc' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool-call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      usage: expect.objectContaining({
        inputTokens: { total: 1474, noCache: 450, cacheRead: 1024, cacheWrite: 0 },
        outputTokens: { total: 62, text: 42, reasoning: 20 },
      }),
      warnings: [
        { setting: 'temperature', message: expect.any(String) },
        { setting: 'seed', message: expect.any(String) },
      ],
      response: { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', model: 'claude-opus-4-8', upstreamRequestId: 'req_9' },
    });
  });
});
