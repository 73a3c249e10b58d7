import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientAbortError, ProviderCallError, type ChatCall, type Provider, type StreamPart } from '../../core/index.js';
import { collect, fixture, replay, startTestServer, type TestServer } from '../shared/testing/test-server.js';
import { createOllama } from './create-ollama.js';

const call: ChatCall = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Why is the sky blue?' }] }],
  maxOutputTokens: 64,
  ollama: { numCtx: 4096 },
};

let server: TestServer;
let provider: Provider;
afterEach(async () => {
  await provider.close();
  await server.close();
});

async function setup(handler: Parameters<typeof startTestServer>[0]): Promise<Provider> {
  server = await startTestServer(handler);
  let n = 0;
  provider = createOllama({ name: 'gpu-box', baseUrl: server.url, generateId: () => `call_gen_${n++}` });
  return provider;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderCallError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderCallError)) throw new Error(`expected ProviderCallError, got ${String(error)}`);
  return error;
}

describe('OllamaChatModel.stream', () => {
  it('streams text from NDJSON split into small reads and sends the translated body', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-stream-text.txt', import.meta.url));
    await setup((_req, res) => replay(res, body, { contentType: 'application/x-ndjson', chunkSize: 7 }));
    const parts = await collect(await provider.chatModel('llama3.2').stream(call, { requestId: 'req-9' }));

    expect(server.json()).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      stream: true,
      options: { num_predict: 64, num_ctx: 4096 },
    });
    expect(server.requests[0]?.url).toBe('/api/chat');
    expect(server.requests[0]?.headers['x-request-id']).toBe('req-9');
    expect(parts).toEqual([
      { type: 'stream-start', response: { model: 'llama3.2', upstreamRequestId: undefined }, warnings: [] },
      { type: 'text-delta', delta: 'The' },
      { type: 'text-delta', delta: ' sky' },
      // The final line carries the last fragment too.
      { type: 'text-delta', delta: ' is blue.' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: expect.objectContaining({ inputTokens: { total: 26, noCache: 26 }, outputTokens: { total: 282, text: 282, reasoning: undefined } }),
      },
    ]);
  });

  it('streams thinking and whole tool calls as start + one delta, indexed by tool call', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-stream-tool-call.txt', import.meta.url));
    await setup((_req, res) => replay(res, body, { contentType: 'application/x-ndjson' }));
    const parts = await collect(await provider.chatModel('qwen3:8b').stream(call));
    expect(parts.slice(1)).toEqual([
      { type: 'reasoning-delta', delta: 'The user wants the weather.' },
      { type: 'reasoning-delta', delta: ' Call the tool.' },
      { type: 'tool-call-start', index: 0, id: 'call_gen_0', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Tokyo"}' },
      { type: 'tool-call-start', index: 1, id: 'call_x2', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"zone":"Asia/Tokyo"}' },
      {
        type: 'finish',
        finishReason: { unified: 'tool-calls', raw: 'stop' },
        usage: expect.objectContaining({ inputTokens: { total: 48, noCache: 48 }, outputTokens: { total: 31, text: undefined, reasoning: undefined } }),
      },
    ]);
  });

  it('returns the connection to the pool after a complete stream', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-stream-text.txt', import.meta.url));
    await setup((_req, res) => replay(res, body, { contentType: 'application/x-ndjson' }));
    const model = provider.chatModel('llama3.2');
    await collect(await model.stream(call));
    // The rest of the body (the chunked terminator) is drained asynchronously after `finish`.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await collect(await model.stream(call));
    expect(server.requests[1]?.remotePort).toBe(server.requests[0]?.remotePort);
  });

  it('turns an {"error"} line into an error part', async () => {
    await setup((_req, res) =>
      replay(res, '{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n{"error":"an error was encountered while running the model"}\n', {
        contentType: 'application/x-ndjson',
      }),
    );
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({ code: 'upstream_error', provider: 'gpu-box', isRetryable: true });
    expect(last?.type === 'error' && last.error.message).toContain('an error was encountered');
  });

  it('reports a stream that ends without done:true as upstream_bad_response', async () => {
    await setup((_req, res) => replay(res, '{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n', { contentType: 'application/x-ndjson' }));
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response', status: 502 });
  });

  it('reports a stream cut by the upstream mid-way as an error part', async () => {
    await setup(async (_req, res) => {
      await replay(res, '{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n', { contentType: 'application/x-ndjson', keepOpen: true });
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toBeInstanceOf(ProviderCallError);
  });

  it('reports a malformed line as upstream_bad_response, not a thrown SyntaxError', async () => {
    await setup((_req, res) => replay(res, '{"model":"m","message":{"content":"a"},"done":false}\n{"model":"m","mess\n', { contentType: 'application/x-ndjson' }));
    const parts = await collect(await provider.chatModel('m').stream(call));
    expect(parts.map((p) => p.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(errorOf(parts)).toMatchObject({ code: 'upstream_bad_response', body: '{"model":"m","mess' });
  });

  it('rejects before the first byte with model_not_found on 404', async () => {
    await setup((_req, res) => replay(res, '{"error":"model \\"nope\\" not found, try pulling it first"}', { status: 404 }));
    const error = await rejection(provider.chatModel('nope').stream(call));
    expect(error).toMatchObject({ code: 'model_not_found', status: 404, upstreamStatus: 404, isRetryable: false, provider: 'gpu-box' });
    expect(error.message).toContain('try pulling it first');
  });

  it('rejects with upstream_overloaded (retryable) when the queue is full (503)', async () => {
    await setup((_req, res) => replay(res, '{"error":"server busy, please try again.  maximum pending requests exceeded"}', { status: 503 }));
    const error = await rejection(provider.chatModel('m').stream(call));
    expect(error).toMatchObject({ code: 'upstream_overloaded', status: 503, upstreamStatus: 503, isRetryable: true });
    expect(error.message).toContain('server busy');
  });

  it('aborts the upstream when our signal fires mid-stream and rethrows the reason', async () => {
    await setup((_req, res) =>
      replay(res, '{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n', { contentType: 'application/x-ndjson', keepOpen: true }),
    );
    const controller = new AbortController();
    const iterator = (await provider.chatModel('m').stream(call, { signal: controller.signal }))[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'stream-start' });
    expect((await iterator.next()).value).toEqual({ type: 'text-delta', delta: 'Hi' });
    const reason = new ClientAbortError();
    const pending = iterator.next();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await server.requests[0]?.closed;
  });

  it('destroys the upstream body when the consumer stops early', async () => {
    await setup((_req, res) =>
      replay(res, '{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n', { contentType: 'application/x-ndjson', keepOpen: true }),
    );
    for await (const part of await provider.chatModel('m').stream(call)) {
      if (part.type === 'text-delta') break;
    }
    await server.requests[0]?.closed;
  });

  it('destroys the upstream body when the consumer returns before reading', async () => {
    await setup((_req, res) => replay(res, '', { contentType: 'application/x-ndjson', keepOpen: true }));
    const stream = await provider.chatModel('m').stream(call);
    await stream[Symbol.asyncIterator]().return?.();
    await server.requests[0]?.closed;
  });
});

describe('OllamaChatModel.generate', () => {
  it('translates the non-streamed answer', async () => {
    const body = await fixture(new URL('./__fixtures__/chat-response.json', import.meta.url));
    await setup((_req, res) => replay(res, body));
    const result = await provider.chatModel('qwen3:8b').generate({ ...call, user: 'u1' });
    expect(server.json()).toMatchObject({ stream: false, model: 'qwen3:8b' });
    expect(result).toEqual({
      content: [
        { type: 'reasoning', text: 'Need the tool.' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool-call', id: 'call_gen_0', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      ],
      finishReason: { unified: 'tool-calls', raw: 'stop' },
      usage: expect.objectContaining({ inputTokens: { total: 48, noCache: 48 } }),
      warnings: [{ setting: 'user', message: expect.any(String) }],
      response: { model: 'qwen3:8b', upstreamRequestId: undefined },
    });
  });

  it('fails with InvalidRequestError before calling when an image is a URL', async () => {
    await setup((_req, res) => replay(res, '{}'));
    await expect(
      provider.chatModel('m').generate({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] }] }),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'messages.0.content.0' });
    expect(server.requests).toHaveLength(0);
  });

  it('aborts a pending generate and the upstream sees the socket close', async () => {
    await setup(() => undefined);
    const controller = new AbortController();
    const pending = provider.chatModel('m').generate(call, { signal: controller.signal });
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await server.requests[0]?.closed;
  });
});

function errorOf(parts: StreamPart[]): unknown {
  const last = parts.at(-1);
  return last?.type === 'error' ? last.error : undefined;
}
