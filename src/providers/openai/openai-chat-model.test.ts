import { afterEach, describe, expect, it } from 'vitest';
import { ClientAbortError, ProviderCallError, type ChatCall, type Provider, type StreamPart } from '../../core/index.js';
import { collect, fixture, replay, startTestServer, type TestHandler, type TestServer } from '../shared/testing/test-server.js';
import { createOpenAI } from './create-openai.js';

const call: ChatCall = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Tokyo?' }] }],
  tools: [{ name: 'get_weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
  maxOutputTokens: 200,
};
const SSE = { contentType: 'text/event-stream' };

let server: TestServer;
let provider: Provider;
afterEach(async () => {
  await provider.close();
  await server.close();
});

async function setup(handler: TestHandler, settings: { compatible?: boolean } = {}): Promise<Provider> {
  server = await startTestServer(handler);
  provider = createOpenAI({
    baseUrl: `${server.url}/v1`,
    apiKey: 'sk-test',
    organization: 'org-1',
    project: 'proj-1',
    generateId: () => 'call_gen',
    ...settings,
  });
  return provider;
}

function sse(...events: unknown[]): string {
  return events.map((event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`).join('');
}
const chunk = (delta: object, finish: string | null = null) => ({ id: 'c1', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });

function errorOf(parts: StreamPart[]): unknown {
  const last = parts.at(-1);
  return last?.type === 'error' ? last.error : undefined;
}

describe('OpenAIChatModel.stream', () => {
  it('assembles tool-call argument fragments and bills from the include_usage chunk', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-stream-tool-calls.txt', import.meta.url));
    await setup((_req, res) => replay(res, body, { ...SSE, chunkSize: 11, headers: { 'x-request-id': 'req_up' } }));
    const parts = await collect(await provider.chatModel('gpt-4o').stream(call, { requestId: 'ours-1' }));

    const request = server.requests[0];
    expect(request?.url).toBe('/v1/chat/completions');
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer sk-test',
      'openai-organization': 'org-1',
      'openai-project': 'proj-1',
      'x-client-request-id': 'ours-1',
    });
    expect(server.json()).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      max_completion_tokens: 200,
    });
    expect(parts).toEqual([
      { type: 'stream-start', response: { id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06', upstreamRequestId: 'req_up' }, warnings: [] },
      { type: 'text-delta', delta: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'call_abc', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ty":"Tokyo"}' },
      { type: 'tool-call-start', index: 1, id: 'call_def', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"zone":"Asia/Tokyo"}' },
      {
        type: 'finish',
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: expect.objectContaining({
          inputTokens: { total: 120, noCache: 56, cacheRead: 64, cacheWrite: undefined },
          outputTokens: { total: 30, text: 30, reasoning: 0 },
        }),
      },
    ]);
  });

  it('streams text with a multi-byte character split across reads', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-stream-text.txt', import.meta.url));
    await setup((_req, res) => replay(res, body, { ...SSE, chunkSize: 5 }));
    const parts = await collect(await provider.chatModel('gpt-4o-mini').stream(call));
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => p.delta).join('')).toBe('Hello ☃');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: { total: 9 }, outputTokens: { total: 3 } } });
  });

  it('turns data: {"error":…} into an error part', async () => {
    await setup((_req, res) =>
      replay(res, sse(chunk({ content: 'Hi' }), { error: { message: 'The server had an error', type: 'server_error', code: null } }), SSE),
    );
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_error', isRetryable: true, upstreamStatus: 200 });
  });

  it('reads the kind of an in-band error from its code (event: error form)', async () => {
    await setup((_req, res) =>
      replay(res, 'event: error\ndata: {"error":{"message":"Rate limit reached","type":"tokens","code":"rate_limit_exceeded"}}\n\n', SSE),
    );
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'rate_limited', isRetryable: true, message: expect.stringContaining('Rate limit reached') });
  });

  it('requires [DONE] from OpenAI', async () => {
    await setup((_req, res) => replay(res, sse(chunk({ content: 'Hi' }), chunk({}, 'stop')), SSE));
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response' });
  });

  it('accepts a compatible server that ends after the finish reason without [DONE] or usage', async () => {
    await setup((_req, res) => replay(res, sse({ choices: [{ index: 0, delta: { content: 'Hi' } }] }, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), SSE), {
      compatible: true,
    });
    const parts = await collect(await provider.chatModel('qwen').stream(call));
    expect(server.json()).toMatchObject({ max_tokens: 200 });
    expect(server.requests[0]?.headers['x-client-request-id']).toBeUndefined();
    expect(parts).toEqual([
      { type: 'stream-start', response: { id: undefined, model: undefined, upstreamRequestId: undefined }, warnings: [] },
      { type: 'text-delta', delta: 'Hi' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: {}, outputTokens: { total: undefined, text: undefined, reasoning: undefined } } },
    ]);
  });

  it('reads reasoning deltas and gives id-less tool calls an id (compatible)', async () => {
    await setup(
      (_req, res) =>
        replay(
          res,
          sse(
            chunk({ reasoning_content: 'think' }),
            chunk({ reasoning: ' more' }),
            chunk({ tool_calls: [{ index: 0, function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }),
            chunk({}, 'tool_calls'),
            '[DONE]',
          ),
          SSE,
        ),
      { compatible: true },
    );
    const parts = await collect(await provider.chatModel('qwen').stream(call));
    expect(parts.slice(1, 5)).toEqual([
      { type: 'reasoning-delta', delta: 'think' },
      { type: 'reasoning-delta', delta: ' more' },
      { type: 'tool-call-start', index: 0, id: 'call_gen', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Oslo"}' },
    ]);
  });

  it('reports a stream with no finish reason as an error part', async () => {
    await setup((_req, res) => replay(res, sse(chunk({ content: 'Hi' }), '[DONE]'), SSE), { compatible: true });
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response' });
  });

  it('reports malformed JSON as upstream_bad_response', async () => {
    await setup((_req, res) => replay(res, 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[{"del\n\n', SSE));
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response', status: 502 });
  });

  it('rejects before the first byte with retry-after on 429', async () => {
    await setup((_req, res) =>
      replay(res, '{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}', {
        status: 429,
        headers: { 'retry-after': '3', 'x-request-id': 'req_429' },
      }),
    );
    const error: unknown = await provider.chatModel('m').stream(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, upstreamStatus: 429, isRetryable: true, retryAfterSeconds: 3, provider: 'openai' });
    expect((error as ProviderCallError).message).toContain('Rate limit reached');
  });

  it('marks insufficient_quota as not retryable', async () => {
    await setup((_req, res) =>
      replay(res, '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}', { status: 429 }),
    );
    await expect(provider.chatModel('m').generate(call)).rejects.toMatchObject({ code: 'rate_limited', isRetryable: false });
  });

  it('maps 401 to authentication_failed (502: our key, not the client’s request)', async () => {
    await setup((_req, res) => replay(res, '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}', { status: 401 }));
    await expect(provider.chatModel('m').generate(call)).rejects.toMatchObject({ code: 'authentication_failed', status: 502, isRetryable: false });
  });

  it('aborts mid-stream: the reason is rethrown and the upstream socket closes', async () => {
    await setup((_req, res) => replay(res, sse(chunk({ content: 'Hi' })), { ...SSE, keepOpen: true }));
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
    await setup((_req, res) => replay(res, sse(chunk({ content: 'Hi' })), { ...SSE, keepOpen: true }));
    for await (const part of await provider.chatModel('m').stream(call)) {
      if (part.type === 'text-delta') break;
    }
    await server.requests[0]?.closed;
  });
});

describe('OpenAIChatModel.generate', () => {
  it('translates the response (PROTOCOLS §2.4)', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-response.json', import.meta.url));
    await setup((_req, res) => replay(res, body, { headers: { 'x-request-id': 'req_1' } }));
    const result = await provider.chatModel('gpt-4o').generate(call);
    expect(server.json()).not.toHaveProperty('stream');
    expect(result).toEqual({
      content: [{ type: 'tool-call', id: 'call_abc', name: 'get_weather', arguments: '{"city":"Tokyo"}' }],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: expect.objectContaining({
        inputTokens: { total: 120, noCache: 56, cacheRead: 64, cacheWrite: undefined },
        outputTokens: { total: 30, text: 18, reasoning: 12 },
      }),
      warnings: [],
      response: { id: 'chatcmpl-abc123', model: 'gpt-4o-2024-08-06', upstreamRequestId: 'req_1' },
    });
  });

  it('reads reasoning and refusals', async () => {
    await setup((_req, res) =>
      replay(res, JSON.stringify({ choices: [{ message: { content: null, refusal: 'I cannot help.', reasoning: 'policy' }, finish_reason: 'content_filter' }] })),
    );
    const result = await provider.chatModel('m').generate(call);
    expect(result.content).toEqual([
      { type: 'reasoning', text: 'policy' },
      { type: 'text', text: 'I cannot help.' },
    ]);
    expect(result.finishReason.unified).toBe('content-filter');
  });

  it('reports a response without choices as upstream_bad_response', async () => {
    await setup((_req, res) => replay(res, '{"id":"x","choices":[]}'));
    await expect(provider.chatModel('m').generate(call)).rejects.toMatchObject({ code: 'upstream_bad_response' });
  });
});
