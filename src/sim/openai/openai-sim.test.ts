import { createParser } from 'eventsource-parser';
import { encode } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startOpenAISim } from '../index.js';
import type { OpenAISimOptions, SimServer } from '../index.js';

/** Fidelity of the OpenAI simulator, proven with the official `openai` client. */

const servers: SimServer[] = [];
async function sim(options: OpenAISimOptions = {}, client: { maxRetries?: number; timeout?: number; apiKey?: string } = {}) {
  const server = await startOpenAISim(options);
  servers.push(server);
  const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: client.apiKey ?? 'x', maxRetries: client.maxRetries ?? 0, timeout: client.timeout });
  return { server, openai };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const tools: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } }, required: ['city'] } } },
];
const user = (content: string): OpenAI.Chat.ChatCompletionMessageParam[] => [{ role: 'user', content }];

/** Raw SSE `data:` payloads of a streamed call. */
async function sseData(url: string, body: unknown): Promise<string[]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out: string[] = [];
  const parser = createParser({ onEvent: (e) => out.push(e.data) });
  parser.feed(await res.text());
  return out;
}

describe('OpenAI simulator', () => {
  it('answers chat completions with the real shape, usage equal to gpt-tokenizer counts, and headers', async () => {
    const { openai } = await sim();
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Explain caching.') }).withResponse();
    expect(data).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant' } }] });
    expect(data.id).toMatch(/^chatcmpl-/);
    const text = data.choices[0]?.message.content ?? '';
    expect(data.usage).toMatchObject({ completion_tokens: encode(text).length, prompt_tokens: encode('Explain caching.').length });
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-processing-ms')).not.toBeNull();
    expect(response.headers.get('x-ratelimit-remaining-requests')).not.toBeNull();
  });

  it('streams SSE: role first, content deltas, finish chunk, usage chunk with choices [] when asked, then [DONE]', async () => {
    const { server, openai } = await sim({ outputTokens: 6 });
    const data = await sseData(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', messages: user('hi'), stream: true, stream_options: { include_usage: true } });
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as OpenAI.Chat.ChatCompletionChunk);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 6 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('hi'), stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(encode(text)).toHaveLength(6);
  });

  it('streams tool calls in pieces that the SDK reassembles, and returns them whole without streaming', async () => {
    const { server, openai } = await sim();
    const data = await sseData(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', messages: user('use the tool'), tools, stream: true });
    const deltas = data
      .slice(0, -1)
      .map((d) => (JSON.parse(d) as OpenAI.Chat.ChatCompletionChunk).choices[0]?.delta.tool_calls?.[0])
      .filter((d) => d !== undefined);
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(deltas[0]?.id).toMatch(/^call_/);
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.slice(1).every((d) => d.id === undefined && d.function?.name === undefined)).toBe(true);

    const final = await openai.chat.completions.stream({ model: 'gpt-4o', messages: user('use the tool'), tools }).finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ city: 'sample', unit: 'c' });

    const whole = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('anything'), tools, tool_choice: 'required' });
    expect(whole.choices[0]?.message).toMatchObject({ content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather' } }] });
  });

  it('returns JSON for json_object and json_schema response formats', async () => {
    const { openai } = await sim();
    const plain = await openai.chat.completions.create({ model: 'gpt-4.1', messages: user('give json'), response_format: { type: 'json_object' } });
    expect(JSON.parse(plain.choices[0]?.message.content ?? '')).toHaveProperty('result');
    const schema = { type: 'object', properties: { answer: { type: 'string' }, score: { type: 'integer' } }, required: ['answer', 'score'], additionalProperties: false };
    const structured = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: user('rate it'),
      response_format: { type: 'json_schema', json_schema: { name: 'rating', schema, strict: true } },
    });
    expect(JSON.parse(structured.choices[0]?.message.content ?? '')).toEqual({ answer: 'sample', score: 1 });
  });

  it('maps errors to the SDK classes: 404 unknown model, 400 bad JSON, 401 wrong key, 500 server error', async () => {
    const { server, openai } = await sim({ apiKey: 'sk-right-key' }, { apiKey: 'sk-right-key' });
    const missing = await openai.chat.completions.create({ model: 'gpt-9', messages: user('x') }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
    const bad = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-right-key' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong-key-123', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    server.control.addFault({ kind: 'status', status: 500, times: 1 });
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages: user('x') })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('sends 429 as RateLimitError with retry-after, which the SDK honours when retrying', async () => {
    const { server, openai } = await sim({}, { maxRetries: 1 });
    server.control.addFault({ kind: 'status', status: 429, retryAfter: 0.3, times: 1 });
    const started = Date.now();
    const ok = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('x') });
    expect(ok.choices).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.control.stats()).toMatchObject({ requests: 2, faulted: 1 });

    server.control.addFault({ kind: 'status', status: 429, retryAfter: 7, times: 1 });
    const noRetry = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const err = await noRetry.chat.completions.create({ model: 'gpt-4o', messages: user('x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ code: 'rate_limit_exceeded' });
    expect(err instanceof OpenAI.APIError ? err.headers?.get('retry-after') : undefined).toBe('7');
  });

  it('makes the SDK throw on an in-band error, a dropped stream and a malformed stream', async () => {
    const { server, openai } = await sim();
    const drain = async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('x'), stream: true });
      for await (const _chunk of stream) {
        // read everything
      }
    };
    server.control.addFault({ kind: 'error-mid-stream', afterChunks: 3, times: 1 });
    await expect(drain()).rejects.toBeInstanceOf(OpenAI.APIError);
    server.control.addFault({ kind: 'drop-mid-stream', afterChunks: 2, times: 1 });
    await expect(drain()).rejects.toThrow();
    server.control.addFault({ kind: 'malformed', times: 1 });
    await expect(drain()).rejects.toBeInstanceOf(SyntaxError);
    server.control.addFault({ kind: 'reset', times: 1 });
    await expect(drain()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('reports cached_tokens for a repeated prompt of 1024+ tokens', async () => {
    const { openai } = await sim();
    const long = 'word '.repeat(1500);
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: long }, { role: 'user', content: 'first' }];
    const first = await openai.chat.completions.create({ model: 'gpt-4o', messages });
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await openai.chat.completions.create({ model: 'gpt-4o', messages: [messages[0] as OpenAI.Chat.ChatCompletionMessageParam, { role: 'user', content: 'second' }] });
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(cached % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(encode(long).length);
  });

  it('lists and retrieves models, and embeds as float or base64', async () => {
    const { openai } = await sim();
    expect((await openai.models.list()).data.map((m) => m.id)).toContain('gpt-4o');
    expect(await openai.models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', object: 'model' });
    await expect(openai.models.retrieve('gpt-9')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // The SDK asks for base64 by default and decodes it.
    const b64 = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    const float = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'], encoding_format: 'float' });
    expect(b64.data[0]?.embedding).toHaveLength(1536);
    expect(b64.data[0]?.embedding[0]).toBeCloseTo(float.data[0]?.embedding[0] ?? 0, 6);
    expect(b64.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const small = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'one', dimensions: 256, encoding_format: 'float' });
    expect(Math.hypot(...(small.data[0]?.embedding ?? []))).toBeCloseTo(1, 6);
  });

  it('does not leak a hung request after a client timeout, and close() resolves with one open', async () => {
    const { server, openai } = await sim({}, { timeout: 100 });
    server.control.addFault({ kind: 'hang', times: 1 });
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages: user('x') })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await vi.waitFor(() => expect(server.control.stats()).toMatchObject({ inFlight: 0, cancelled: 1 }));

    server.control.addFault({ kind: 'hang' });
    const pending = fetch(`${server.url}/v1/models`).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.control.stats().inFlight).toBe(1));
    await server.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('takes faults and scripts from options and from the HTTP control endpoint', async () => {
    const { server, openai } = await sim({
      faults: [{ kind: 'status', status: 503, match: { model: 'gpt-4.1' } }],
      scripts: [{ match: { pattern: 'ping' }, reply: { text: 'pong' } }],
    });
    await expect(openai.chat.completions.create({ model: 'gpt-4.1', messages: user('x') })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect((await openai.chat.completions.create({ model: 'gpt-4o', messages: user('ping') })).choices[0]?.message.content).toBe('pong');

    expect((await fetch(`${server.url}/__sim/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await openai.chat.completions.create({ model: 'gpt-4.1', messages: user('x') })).choices).toHaveLength(1);
    const scripts = [{ match: { pattern: 'ping', model: 'gpt-4o' }, reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] } }];
    expect((await fetch(`${server.url}/__sim/scripts`, { method: 'PUT', body: JSON.stringify(scripts) })).status).toBe(200);
    const scripted = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('ping'), tools });
    const call = scripted.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.arguments : undefined).toBe('{"city":"Rome"}');
    expect((await fetch(`${server.url}/__sim/nope`)).status).toBe(404);
  });

  it('spreads tokens over time with firstTokenLatencyMs and tokensPerSecond', async () => {
    const { openai } = await sim({ tokensPerSecond: 100, outputTokens: 10, firstTokenLatencyMs: 30 });
    const started = Date.now();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('x'), stream: true });
    let firstAt = 0;
    for await (const chunk of stream) if (firstAt === 0 && chunk.choices[0]?.delta.content) firstAt = Date.now();
    expect(firstAt - started).toBeGreaterThanOrEqual(25);
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });
});
