/**
 * The dialects' output read by the OFFICIAL SDKs over a real socket: a tiny node:http server writes
 * what our encoders and response builders produce, and `openai` / `@anthropic-ai/sdk` parse it.
 * Also round trips: what the SDK assembled, sent back as history, parses to the canonical parts we
 * started from.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GatewayError,
  InvalidRequestError,
  ProviderCallError,
  type ChatResult,
  type EmbedResult,
  type StreamPart,
  type Usage,
} from '../../core/index.js';
import type { Dialect, ResponseContext } from './dialect.js';
import { anthropicDialect } from './anthropic/anthropic-dialect.js';
import { openAIDialect, openAIEmbeddingsResponse, parseOpenAIEmbeddingsRequest } from './openai/openai-dialect.js';

type Reply =
  | { kind: 'json'; status: number; body: object; headers?: Record<string, string> }
  | { kind: 'sse'; chunks: string[] };

let server: Server;
let baseURL: string;
let handle: (path: string, body: unknown) => Reply;
let requests: Array<{ path: string; body: unknown }>;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const path = req.url ?? '';
      requests.push({ path, body });
      const reply = handle(path, body);
      if (reply.kind === 'json') {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      // One write per part, with a tick between, so the SDK parsers see real chunk boundaries.
      for (const chunk of reply.chunks) {
        if (chunk === '') continue;
        res.write(chunk);
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  requests = [];
});

const ctx: ResponseContext = { requestId: 'req42', model: 'my-alias', created: 1_700_000_000 };
const usage: Usage = { inputTokens: { total: 30, noCache: 10, cacheRead: 20 }, outputTokens: { total: 12, reasoning: 4 } };
const start: StreamPart = { type: 'stream-start', response: {}, warnings: [] };

/** A stream answer: encoded by `dialect`, served as SSE. Parses the request first, like the app. */
function streamReply(dialect: Dialect, parts: StreamPart[], failWith?: GatewayError): (path: string, body: unknown) => Reply {
  return (_path, body) => {
    const parsed = dialect.parseChatRequest(body);
    const encoder = dialect.createStreamEncoder(ctx, { includeUsage: parsed.includeUsage });
    const chunks = parts.map((p) => encoder.encode(p));
    if (failWith !== undefined) chunks.push(encoder.fail(failWith));
    return { kind: 'sse', chunks };
  };
}

function errorReply(dialect: Dialect, error: GatewayError): () => Reply {
  return () => {
    const r = dialect.errorResponse(error, 'req42');
    return { kind: 'json', status: r.status, body: r.body, headers: r.headers };
  };
}

const toolParts: StreamPart[] = [
  start,
  { type: 'reasoning-delta', delta: 'The user wants weather. ' },
  { type: 'reasoning-delta', delta: 'Call the tool.' },
  { type: 'reasoning-signature', signature: 'c2lnbmF0dXJl' },
  { type: 'text-delta', delta: 'Let me check ' },
  { type: 'text-delta', delta: 'both "cities".' },
  { type: 'tool-call-start', index: 0, id: 'call_tokyo', name: 'get_weather' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '"Tokyo"}' },
  { type: 'tool-call-start', index: 1, id: 'call_paris', name: 'get_weather' },
  { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":"Paris"}' },
  { type: 'finish', finishReason: { unified: 'tool-calls' }, usage },
];

/** The same answer as a non-streaming result. */
const toolResult: ChatResult = {
  content: [
    { type: 'reasoning', text: 'The user wants weather. Call the tool.', signature: 'c2lnbmF0dXJl' },
    { type: 'text', text: 'Let me check both "cities".' },
    { type: 'tool-call', id: 'call_tokyo', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
    { type: 'tool-call', id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
  finishReason: { unified: 'tool-calls' },
  usage,
  warnings: [],
  response: {},
};

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('OpenAI SDK reads the OpenAI dialect', () => {
  const client = () => new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'x', maxRetries: 0 });

  it('a text stream with include_usage', async () => {
    handle = streamReply(openAIDialect, [start, { type: 'text-delta', delta: 'Hello' }, { type: 'text-delta', delta: ', world' }, { type: 'finish', finishReason: { unified: 'stop' }, usage }]);
    const stream = await client().chat.completions.create({
      model: 'my-alias',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let lastUsage: OpenAI.CompletionUsage | null | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) lastUsage = chunk.usage;
    }
    expect(text).toBe('Hello, world');
    expect(finish).toBe('stop');
    expect([...ids]).toEqual(['chatcmpl-req42']);
    expect(lastUsage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 20 } });
  });

  it('a tool-call stream, assembled by the SDK stream helper, round-trips to the same canonical parts', async () => {
    handle = streamReply(openAIDialect, toolParts);
    const completion = await client()
      .chat.completions.stream({ model: 'my-alias', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] })
      .finalChatCompletion();
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe('Let me check both "cities".');
    expect(choice?.message.tool_calls).toMatchObject([
      { id: 'call_tokyo', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
      { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);

    // Send the SDK's assistant message back as history: the canonical parts are what we streamed (minus reasoning, which OpenAI drops).
    const next = openAIDialect.parseChatRequest({
      model: 'my-alias',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: choice?.message.content, tool_calls: choice?.message.tool_calls?.map(({ id, type, function: f }) => ({ id, type, function: { name: f.name, arguments: f.arguments } })) },
        { role: 'tool', tool_call_id: 'call_tokyo', content: '11C' },
        { role: 'tool', tool_call_id: 'call_paris', content: '14C' },
      ],
    });
    expect(next.call.messages[1]).toEqual({ role: 'assistant', content: toolResult.content.filter((p) => p.type !== 'reasoning') });
    expect(next.call.messages[2]).toEqual({
      role: 'tool',
      content: [
        { type: 'tool-result', toolCallId: 'call_tokyo', toolName: 'get_weather', content: [{ type: 'text', text: '11C' }] },
        { type: 'tool-result', toolCallId: 'call_paris', toolName: 'get_weather', content: [{ type: 'text', text: '14C' }] },
      ],
    });
  });

  it('an in-band error mid-stream makes the SDK throw an APIError carrying our code', async () => {
    const error = new ProviderCallError({ provider: 'ollama', url: 'http://o', message: 'The model crashed.', status: 500 });
    handle = streamReply(openAIDialect, [start, { type: 'text-delta', delta: 'Hel' }, { type: 'error', error }]);
    const stream = await client().chat.completions.create({ model: 'my-alias', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    const thrown = await (async () => {
      try {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(text).toBe('Hel');
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    if (!(thrown instanceof OpenAI.APIError)) return;
    expect(thrown.message).toContain('The model crashed.');
    expect(thrown.code).toBe('upstream_error');
    expect(thrown.type).toBe('server_error');
  });

  it('fail() after a tool call also surfaces as an APIError', async () => {
    handle = streamReply(openAIDialect, toolParts.slice(0, 8), new GatewayError(504, 'upstream_timeout', 'Upstream timed out.', true));
    await expect(
      client().chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion(),
    ).rejects.toThrow('Upstream timed out.');
  });

  it('a non-streaming response', async () => {
    handle = (_path, body) => {
      openAIDialect.parseChatRequest(body);
      return { kind: 'json', status: 200, body: openAIDialect.chatResponse(toolResult, ctx) };
    };
    const completion = await client().chat.completions.create({ model: 'my-alias', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.id).toBe('chatcmpl-req42');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls).toHaveLength(2);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(4);
  });

  it('HTTP errors become the SDK error classes with our param and code', async () => {
    handle = () => {
      try {
        openAIDialect.parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 5 }] });
        return { kind: 'json', status: 200, body: {} };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        return errorReply(openAIDialect, e)();
      }
    };
    const thrown = await client()
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OpenAI.BadRequestError);
    if (!(thrown instanceof OpenAI.BadRequestError)) return;
    expect(thrown.param).toBe('messages.0.content');
    expect(thrown.code).toBe('invalid_request');
    expect(thrown.type).toBe('invalid_request_error');
  });

  it('x-should-retry: false stops the SDK retrying a 429; a retryable 429 with retry-after is retried', async () => {
    const retrying = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'x', maxRetries: 2 });
    handle = errorReply(openAIDialect, new GatewayError(429, 'budget_exceeded', 'Monthly budget spent.', false));
    await expect(retrying.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(requests).toHaveLength(1);

    requests = [];
    handle = errorReply(openAIDialect, new GatewayError(429, 'rate_limited', 'Slow down.', true, { retryAfterSeconds: 0 }));
    await expect(retrying.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(requests).toHaveLength(3);
  });

  it('embeddings: the SDK asks for base64 by default and decodes our little-endian float32', async () => {
    const vectors = [
      [0.1, -0.25, 3.5],
      [1e-7, 42, -0],
    ];
    handle = (_path, body) => {
      const parsed = parseOpenAIEmbeddingsRequest(body);
      const result: EmbedResult = { embeddings: vectors.slice(0, parsed.input.length), usage: { inputTokens: 7 } };
      return { kind: 'json', status: 200, body: openAIEmbeddingsResponse(result, { model: parsed.model, encodingFormat: parsed.encodingFormat }) };
    };
    const response = await client().embeddings.create({ model: 'embed', input: ['a', 'b'] });
    expect((requests[0]?.body as { encoding_format?: string }).encoding_format).toBe('base64');
    expect(response.data.map((d) => d.embedding)).toEqual(vectors.map((v) => Array.from(Float32Array.from(v))));
    expect(response.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });

    const floats = await client().embeddings.create({ model: 'embed', input: 'a', encoding_format: 'float' });
    expect(floats.data[0]?.embedding).toEqual(vectors[0]);
  });
});

describe('Anthropic SDK reads the Anthropic dialect', () => {
  const client = () => new Anthropic({ baseURL, apiKey: 'x', maxRetries: 0 });
  const params = { model: 'my-alias', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Weather?' }] };

  it('a thinking + text + tool-use stream: finalMessage has the blocks, stop_reason and usage', async () => {
    handle = streamReply(anthropicDialect, toolParts);
    const stream = client().messages.stream(params);
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const message = await stream.finalMessage();
    expect(texts.join('')).toBe('Let me check both "cities".');
    expect(message.id).toBe('msg_req42');
    expect(message.model).toBe('my-alias');
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user wants weather. Call the tool.', signature: 'c2lnbmF0dXJl' },
      { type: 'text', text: 'Let me check both "cities".' },
      { type: 'tool_use', id: 'call_tokyo', name: 'get_weather', input: { city: 'Tokyo' } },
      { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 20, cache_creation_input_tokens: 0, output_tokens: 12 });

    // Round trip: the SDK's message as history parses back to the canonical parts we streamed.
    const next = anthropicDialect.parseChatRequest({
      ...params,
      messages: [
        ...params.messages,
        { role: 'assistant', content: message.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_tokyo', content: '11C' },
            { type: 'tool_result', tool_use_id: 'call_paris', content: '14C' },
          ],
        },
      ],
    });
    expect(next.call.messages[1]).toEqual({ role: 'assistant', content: toolResult.content });
    expect(next.call.messages[2]?.role).toBe('tool');
  });

  it('an in-band error event makes the SDK throw', async () => {
    const error = new ProviderCallError({ provider: 'anthropic', url: 'http://a', message: 'Overloaded.', status: 529 });
    handle = streamReply(anthropicDialect, [start, { type: 'text-delta', delta: 'Hel' }, { type: 'error', error }]);
    const thrown = await client()
      .messages.stream(params)
      .finalMessage()
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Anthropic.APIError);
    if (!(thrown instanceof Anthropic.APIError)) return;
    expect(thrown.message).toContain('Overloaded.');
    expect(thrown.type).toBe('overloaded_error');
  });

  it('fail() in the middle of a tool block also makes the SDK throw', async () => {
    handle = streamReply(anthropicDialect, toolParts.slice(0, 8), new InvalidRequestError('nope'));
    await expect(client().messages.stream(params).finalMessage()).rejects.toThrow('nope');
  });

  it('ping events are ignored by the SDK', async () => {
    handle = (_path, body) => {
      anthropicDialect.parseChatRequest(body);
      const encoder = anthropicDialect.createStreamEncoder(ctx, { includeUsage: true });
      return {
        kind: 'sse',
        chunks: [encoder.encode(start), encoder.ping(), encoder.encode({ type: 'text-delta', delta: 'ok' }), encoder.ping(), encoder.encode({ type: 'finish', finishReason: { unified: 'stop' }, usage })],
      };
    };
    expect((await client().messages.stream(params).finalMessage()).content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('a non-streaming response', async () => {
    handle = (_path, body) => {
      anthropicDialect.parseChatRequest(body);
      return { kind: 'json', status: 200, body: anthropicDialect.chatResponse(toolResult, ctx) };
    };
    const message = await client().messages.create(params);
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use']);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('HTTP errors: the SDK maps status and type; overload is 529', async () => {
    handle = errorReply(anthropicDialect, new ProviderCallError({ provider: 'anthropic', url: 'u', message: 'Overloaded.', status: 529 }));
    const thrown = await client()
      .messages.create(params)
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Anthropic.InternalServerError);
    if (!(thrown instanceof Anthropic.APIError)) return;
    expect(thrown.status).toBe(529);
    expect(thrown.type).toBe('overloaded_error');

    handle = () => {
      try {
        anthropicDialect.parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
        return { kind: 'json', status: 200, body: {} };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        return errorReply(anthropicDialect, e)();
      }
    };
    const bad = await client()
      .messages.create(params)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    if (!(bad instanceof Anthropic.APIError)) return;
    expect(bad.message).toContain('max_tokens: field required');
    expect(bad.type).toBe('invalid_request_error');
  });

  it('x-should-retry: false stops the SDK retrying a 503', async () => {
    const retrying = new Anthropic({ baseURL, apiKey: 'x', maxRetries: 2 });
    handle = errorReply(anthropicDialect, new GatewayError(503, 'no_route', 'No target can serve this request.', false));
    await expect(retrying.messages.create(params)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    expect(requests).toHaveLength(1);
  });
});
