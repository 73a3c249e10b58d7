import Anthropic from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import { encode } from 'gpt-tokenizer';
import { afterEach, describe, expect, it } from 'vitest';
import { startAnthropicSim } from '../index.js';
import type { AnthropicSimOptions, SimServer } from '../index.js';

/** Fidelity of the Anthropic simulator, proven with the official `@anthropic-ai/sdk` client. */

const servers: SimServer[] = [];
async function sim(options: AnthropicSimOptions = {}, maxRetries = 0) {
  const server = await startAnthropicSim(options);
  servers.push(server);
  return { server, anthropic: new Anthropic({ baseURL: server.url, apiKey: 'x', maxRetries }) };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const MODEL = 'claude-sonnet-5-5';
const weather: Anthropic.Tool = { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } };
const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'x' };

async function events(url: string, body: unknown): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
  const out: Array<{ event: string; data: Record<string, unknown> }> = [];
  createParser({ onEvent: (e) => out.push({ event: e.event ?? '', data: JSON.parse(e.data) as Record<string, unknown> }) }).feed(await res.text());
  return out;
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

describe('Anthropic simulator', () => {
  it('answers messages with the real shape, usage equal to gpt-tokenizer counts, and a request-id', async () => {
    const { anthropic } = await sim();
    const { data, response } = await anthropic.messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hello there' }] }).withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn', stop_sequence: null });
    expect(data.id).toMatch(/^msg_01/);
    expect(data.usage).toMatchObject({ input_tokens: encode('Hello there').length, output_tokens: encode(textOf(data)).length, cache_read_input_tokens: 0 });
    expect(response.headers.get('request-id')).toMatch(/^req_011C/);
  });

  it('streams the full event sequence with a ping, and cumulative usage in message_delta', async () => {
    const { server } = await sim({ outputTokens: 5 });
    const seq = await events(server.url, { model: MODEL, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(seq.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array<string>(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(seq.every((e) => e.data.type === e.event)).toBe(true);
    expect(seq[0]?.data.message).toMatchObject({ content: [], stop_reason: null, usage: { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } });
    expect(seq.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5, input_tokens: 1 } });
  });

  it('streams tool_use with input_json_delta fragments that the SDK reassembles', async () => {
    const { server, anthropic } = await sim();
    const seq = await events(server.url, { model: MODEL, max_tokens: 100, stream: true, tools: [weather], messages: [{ role: 'user', content: 'use a tool' }] });
    const toolStart = seq.find((e) => e.event === 'content_block_start' && (e.data.content_block as { type: string }).type === 'tool_use');
    expect(toolStart?.data.index).toBe(1);
    const fragments = seq.filter((e) => e.event === 'content_block_delta' && e.data.index === 1).map((e) => (e.data.delta as { partial_json: string }).partial_json);
    expect(fragments.length).toBeGreaterThan(2);
    expect(JSON.parse(fragments.join(''))).toEqual({ city: 'sample', days: 1 });

    const message = await anthropic.messages.stream({ model: MODEL, max_tokens: 100, tools: [weather], messages: [{ role: 'user', content: 'use a tool' }] }).finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'sample', days: 1 } });

    // Forced: no text before the call, as Claude does with tool_choice.
    const forced = await anthropic.messages.create({ model: MODEL, max_tokens: 100, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'hi' }] });
    expect(forced.content.map((b) => b.type)).toEqual(['tool_use']);
  });

  it('returns JSON for output_config.format, and cuts at max_tokens and stop sequences', async () => {
    const { server, anthropic } = await sim();
    const schema = { type: 'object', properties: { verdict: { type: 'string' }, ok: { type: 'boolean' } }, required: ['verdict', 'ok'], additionalProperties: false };
    const json = await anthropic.messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'judge' }], output_config: { format: { type: 'json_schema', schema } } });
    expect(JSON.parse(textOf(json))).toEqual({ verdict: 'sample', ok: true });
    const short = await anthropic.messages.create({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: 'long story' }] });
    expect([short.stop_reason, short.usage.output_tokens]).toEqual(['max_tokens', 4]);
    server.control.setScripts([{ match: { pattern: 'count' }, reply: { text: 'one two three STOP four' } }]);
    const stopped = await anthropic.messages.create({ model: MODEL, max_tokens: 50, stop_sequences: ['STOP'], messages: [{ role: 'user', content: 'count' }] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP' });
    expect(textOf(stopped)).toBe('one two three ');
  });

  it('reports cache creation the first time a cached prefix is seen and cache reads afterwards', async () => {
    const { anthropic } = await sim();
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a careful analyst. '.repeat(50), cache_control: { type: 'ephemeral' } }];
    const prefix = encode(system[0]?.text ?? '').length;
    const first = await anthropic.messages.create({ model: MODEL, max_tokens: 50, system, messages: [{ role: 'user', content: 'first question' }] });
    expect(first.usage).toMatchObject({ cache_creation_input_tokens: prefix, cache_read_input_tokens: 0, input_tokens: encode('first question').length });
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(prefix);
    const second = await anthropic.messages.create({ model: MODEL, max_tokens: 50, system, messages: [{ role: 'user', content: 'second one' }] });
    expect(second.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: prefix, input_tokens: encode('second one').length });
    // Another model has its own cache.
    const other = await anthropic.messages.create({ model: 'claude-haiku-5-5', max_tokens: 50, system, messages: [{ role: 'user', content: 'x' }] });
    expect(other.usage.cache_creation_input_tokens).toBe(prefix);
    // Below the minimum cacheable length nothing is cached.
    const strict = await sim({ minCacheableTokens: 100_000 });
    const none = await strict.anthropic.messages.create({ model: MODEL, max_tokens: 50, system, messages: [{ role: 'user', content: 'x' }] });
    expect(none.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0, input_tokens: prefix + 1 });
  });

  it('requires max_tokens and the anthropic-version header, as the real API', async () => {
    const { server, anthropic } = await sim();
    const noMax = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }) });
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const noVersion = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'x' }, body: JSON.stringify({ model: MODEL, max_tokens: 5, messages: [] }) });
    expect(noVersion.status).toBe(400);
    const missing = await anthropic.messages.create({ model: 'claude-nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing).toMatchObject({ error: { type: 'error', error: { type: 'not_found_error' } } });
  });

  it('maps status faults to SDK classes: 529 overloaded → InternalServerError, 429 → RateLimitError, 401 with apiKey', async () => {
    const { server, anthropic } = await sim({ apiKey: 'right' });
    const keyed = new Anthropic({ baseURL: server.url, apiKey: 'right', maxRetries: 0 });
    await expect(anthropic.models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    server.control.addFault({ kind: 'status', status: 529, times: 1 });
    const overloaded = await keyed.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded).toMatchObject({ status: 529, error: { error: { type: 'overloaded_error', message: 'Overloaded' } } });
    server.control.addFault({ kind: 'status', status: 429, retryAfter: 3, times: 1 });
    const limited = await keyed.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited instanceof Anthropic.APIError ? limited.headers?.get('retry-after') : undefined).toBe('3');
  });

  it('sends an in-band overloaded error event that makes the SDK throw', async () => {
    const { server, anthropic } = await sim();
    server.control.addFault({ kind: 'error-mid-stream', afterChunks: 4, times: 1 });
    const seq = await events(server.url, { model: MODEL, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(seq.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error' } } });
    server.control.addFault({ kind: 'error-mid-stream', afterChunks: 4, times: 1 });
    const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it('emits thinking blocks with a signature when thinking is enabled', async () => {
    const { anthropic } = await sim();
    const message = await anthropic.messages.stream({ model: MODEL, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'think' }] }).finalMessage();
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const thinking = message.content[0];
    expect(thinking?.type === 'thinking' ? thinking.signature.length : 0).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBe(encode(textOf(message)).length + encode(thinking?.type === 'thinking' ? thinking.thinking : '').length);
  });

  it('counts tokens and lists models', async () => {
    const { anthropic } = await sim();
    const counted = await anthropic.messages.countTokens({ model: MODEL, system: 'Be brief.', messages: [{ role: 'user', content: 'How many tokens?' }] });
    expect(counted.input_tokens).toBe(encode('Be brief.').length + encode('How many tokens?').length);
    const models = await anthropic.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-opus-5-5']);
    expect(await anthropic.models.retrieve('claude-opus-5-5')).toMatchObject({ type: 'model', display_name: 'Claude Opus 5.5' });
  });

  it('slows every event down with a trickle fault', async () => {
    const { server, anthropic } = await sim({ outputTokens: 3 });
    server.control.addFault({ kind: 'trickle', intervalMs: 20, times: 1 });
    const started = Date.now();
    await anthropic.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    // 3 prelude + 3 deltas + stop + delta + message_stop = 9 events, 8 gaps.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
