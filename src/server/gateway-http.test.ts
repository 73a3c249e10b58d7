/**
 * The gateway's HTTP contract beyond translation: errors in each client's dialect, request ids,
 * body limits, models, embeddings, token counting, and aborts reaching the upstream.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
let base: string;

beforeAll(async () => {
  stack = await startStack({ ollama: { tokensPerSecond: 50 }, config: () => ({ server: { bodyLimit: '64kb' }, routing: { cloudFallback: [] } }) });
  base = stack.gateway.url;
});
afterAll(() => stack.close());
beforeEach(() => {
  for (const sim of [stack.ollama, stack.openai, stack.anthropic]) {
    sim.control.clearFaults();
    sim.control.resetStats();
  }
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

// No cloud fallback here: these tests are about how one target's failure reaches the client.
describe('errors in the client dialect', () => {
  it('malformed JSON is a 400 in OpenAI shape on /v1/chat/completions', async () => {
    const { status, json, headers } = await post('/v1/chat/completions', '{"model": "agent", "messages": [');
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_json' } });
    expect(String((json.error as { message: string }).message)).toMatch(/not valid JSON/);
    expect(headers.get('x-request-id')).toMatch(/.+/);
  });

  it('malformed JSON is a 400 in Anthropic shape on /v1/messages', async () => {
    const { status, json } = await post('/v1/messages', 'not json at all');
    expect(status).toBe(400);
    expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('wrong types name the field', async () => {
    const { status, json } = await post('/v1/chat/completions', JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 42 }] }));
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { param: 'messages.0.content' } });
  });

  it('an empty body and a non-object body are 400s', async () => {
    expect((await post('/v1/chat/completions', '')).status).toBe(400);
    expect((await post('/v1/chat/completions', '[1,2]')).status).toBe(400);
    expect((await post('/v1/messages', '"hello"')).status).toBe(400);
  });

  it('an unknown model is a 404 in each dialect, through the SDKs', async () => {
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k', maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const anthropic = new Anthropic({ baseURL: base, apiKey: 'k', maxRetries: 0 });
    await expect(anthropic.messages.create({ model: 'claude-9', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('a model the upstream does not have is a 404, not a 500', async () => {
    const { status, json } = await post('/v1/chat/completions', JSON.stringify({ model: 'ollama/no-such-model', messages: [{ role: 'user', content: 'hi' }] }));
    expect(status).toBe(404);
    expect(json).toMatchObject({ error: { code: 'model_not_found' } });
  });

  it('an oversized body is a 413 and the server keeps serving', async () => {
    const big = JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] });
    const { status, json } = await post('/v1/chat/completions', big);
    expect(status).toBe(413);
    expect(json).toMatchObject({ error: { code: 'payload_too_large' } });
    expect((await post('/v1/messages', big)).json).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('an unknown path is a 404 in the dialect', async () => {
    const { status, json } = await post('/v1/nothing', '{}');
    expect(status).toBe(404);
    expect(json).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('upstream garbage becomes a 502 in the dialect, never a stack trace', async () => {
    stack.ollama.control.setFaults([{ kind: 'malformed' }]);
    const openaiBody = JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'hi' }] });
    const { status, json } = await post('/v1/chat/completions', openaiBody);
    expect(status).toBe(502);
    expect(JSON.stringify(json)).not.toMatch(/at .*\.(ts|js):\d+/);
    const streamed = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await streamed.text();
    // Either the failure was seen before the first byte (an error status) or in-band (an error event).
    if (streamed.status === 200) expect(text).toMatch(/event: error/);
    else expect(streamed.status).toBe(502);
  });

  it('an upstream 429 reaches an OpenAI client as a RateLimitError with retry-after', async () => {
    stack.openai.control.setFaults([{ kind: 'status', status: 429, retryAfter: 7 }]);
    const { status, headers, json } = await post('/v1/chat/completions', JSON.stringify({ model: 'cloud-smart', messages: [{ role: 'user', content: 'hi' }] }));
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('7');
    expect(json).toMatchObject({ error: { type: 'rate_limit_error' } });
  });
});

describe('request ids', () => {
  it('every response carries x-request-id; a sane caller id is kept', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const chat = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-123' },
      body: JSON.stringify({ model: 'agent', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.headers.get('x-request-id')).toBe('trace-123');
    expect(chat.headers.get('x-tollgate-target')).toBe('ollama/llama3.2');
    await chat.text();
  });
});

describe('client disconnect', () => {
  it('aborting a stream cancels the upstream request', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent', stream: true, max_tokens: 500, messages: [{ role: 'user', content: 'Write a long story.' }] }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect.poll(() => stack.ollama.control.stats().cancelled, { timeout: 5_000 }).toBe(1);
    expect(stack.ollama.control.stats().inFlight).toBe(0);
  });

  it('aborting a non-streaming call cancels the upstream request', async () => {
    const controller = new AbortController();
    const pending = fetch(`${base}/v1/messages`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent', max_tokens: 500, messages: [{ role: 'user', content: 'Write a long story.' }] }),
    });
    await expect.poll(() => stack.ollama.control.stats().inFlight, { timeout: 5_000 }).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => stack.ollama.control.stats().cancelled, { timeout: 5_000 }).toBe(1);
  });
});

describe('models, embeddings, token counts', () => {
  it('lists aliases and the models the Ollama host reports, in both shapes', async () => {
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k' });
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['kb-analysis', 'agent', 'cloud-fast', 'ollama/qwen2.5:7b', 'ollama/llama3.2:latest']));
    const anthropic = new Anthropic({ baseURL: base, apiKey: 'k' });
    const page = await anthropic.models.list();
    expect(page.data.map((model) => model.id)).toContain('kb-analysis');
  });

  it('embeds through Ollama and OpenAI with the OpenAI SDK', async () => {
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k' });
    const local = await openai.embeddings.create({ model: 'embed', input: ['first', 'second'] });
    expect(local.data).toHaveLength(2);
    expect(local.data[0]?.embedding.length).toBeGreaterThan(100);
    const cloud = await openai.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'one' });
    expect(cloud.data[0]?.embedding.length).toBeGreaterThan(100);
    const anthropicOnly = await post('/v1/embeddings', JSON.stringify({ model: 'cloud-fast', input: 'x' }));
    expect(anthropicOnly.status).toBe(400);
  });

  it('counts tokens for the Anthropic SDK', async () => {
    const anthropic = new Anthropic({ baseURL: base, apiKey: 'k' });
    const counted = await anthropic.messages.countTokens({ model: 'agent', messages: [{ role: 'user', content: 'How many tokens is this?' }] });
    expect(counted.input_tokens).toBeGreaterThan(5);
    expect(counted.input_tokens).toBeLessThan(30);
  });
});
