/**
 * The ledger end to end: every request through the gateway, whatever happened to it, becomes
 * exactly one record with its cost, the reference cloud cost and the savings. Official clients
 * against the gateway, simulators behind it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
let base: string;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startStack({
    config: () => ({
      execution: { breaker: { failureThreshold: 1000 } },
      routing: {
        defaults: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
        rules: [
          { name: 'kb', match: { task: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] },
          { name: 'mini', match: { task: 'mini' }, targets: ['openai/gpt-4o-mini'] },
          { name: 'haiku', match: { task: 'haiku' }, targets: ['anthropic/claude-haiku-5-5'] },
          { name: 'cached', match: { task: 'cached' }, targets: ['openai/gpt-4o-mini'], cache: { ttlSeconds: 60 } },
        ],
      },
      pricing: { local: { gpuWatts: 300, kwhUsd: 0.2 } },
    }),
  });
  base = stack.gateway.url;
  openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'local', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: base, apiKey: 'local', maxRetries: 0 });
});
afterAll(() => stack.close());
beforeEach(() => {
  for (const sim of [stack.ollama, stack.openai, stack.anthropic]) sim.control.clearFaults();
});

/** The one record of a request, once it has been written. */
async function recordOf(requestId: string | null | undefined): Promise<LedgerRecord> {
  expect(requestId).toBeTruthy();
  let found: LedgerRecord[] = [];
  await expect
    .poll(async () => {
      await stack.gateway.ledger.flush();
      found = (await stack.gateway.ledger.store.records({ limit: 10_000 })).filter((record) => record.id === requestId);
      return found.length;
    })
    .toBe(1);
  return found[0]!;
}

function task(name: string) {
  return { headers: { 'x-tollgate-task': name } };
}

describe('one record per request', () => {
  it('a local answer: energy cost, the reference cloud cost, savings', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Summarise the transcript' }] }, task('kb-analysis'))
      .withResponse();
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({
      outcome: 'ok', httpStatus: 200, dialect: 'openai', endpoint: 'chat', stream: false, task: 'kb-analysis', rule: 'rules.kb',
      provider: 'ollama', model: 'qwen2.5:7b', local: true, referenceModel: 'anthropic/claude-haiku-5-5', errorCode: null,
    });
    expect(record.tokens).toMatchObject({ inputUncached: data.usage!.prompt_tokens, outputText: data.usage!.completion_tokens, estimated: false });
    expect(record.attempts).toEqual([expect.objectContaining({ ref: 'ollama/qwen2.5:7b', outcome: 'ok' })]);
    // Energy: 300 W over the generation time Ollama reported (or the latency), at $0.20/kWh.
    const hours = (record.generationMs ?? record.latencyMs) / 3_600_000;
    expect(record.costUsd).toBeCloseTo(0.3 * hours * 0.2, 12);
    const reference = (record.tokens.inputUncached * 0.1 + record.tokens.outputText * 0.5) / 1e6;
    expect(record.referenceCostUsd).toBeCloseTo(reference, 15);
    expect(record.savingsUsd).toBeCloseTo(reference - record.costUsd!, 15);
  });

  it('the same call streamed and not streamed is billed the same (OpenAI dialect)', async () => {
    const body = { model: 'auto', messages: [{ role: 'user' as const, content: 'Same question, twice' }] };
    const plain = await openai.chat.completions.create(body, task('mini')).withResponse();
    const streamed = await openai.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, task('mini')).withResponse();
    for await (const chunk of streamed.data) void chunk;
    const [a, b] = [await recordOf(plain.response.headers.get('x-request-id')), await recordOf(streamed.response.headers.get('x-request-id'))];
    expect(b.stream).toBe(true);
    expect(b.ttftMs).not.toBeNull();
    expect(b.tokens).toEqual(a.tokens);
    expect(a.tokens.estimated).toBe(false);
    expect(b.costUsd).toBe(a.costUsd);
    expect(a.costUsd).toBeCloseTo((a.tokens.inputUncached * 0.15 + a.tokens.outputText * 0.6) / 1e6, 15);
    expect(b.savingsUsd).toBe(0); // the reference for a cloud call is the model itself
  });

  it('the same call streamed and not streamed is billed the same, and cache tokens are counted once (Anthropic)', async () => {
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a careful analyst of meeting transcripts. '.repeat(60), cache_control: { type: 'ephemeral' } }];
    const ask = (question: string) => ({ model: 'auto', max_tokens: 100, system, messages: [{ role: 'user' as const, content: question }] });
    const first = await anthropic.messages.create(ask('first question'), task('haiku')).withResponse();
    const second = await anthropic.messages.create(ask('first question'), task('haiku')).withResponse();
    const streamed = await anthropic.messages.create({ ...ask('first question'), stream: true }, task('haiku')).withResponse();
    for await (const event of streamed.data) void event;
    const [written, read, readStreamed] = await Promise.all([first, second, streamed].map((call) => recordOf(call.response.headers.get('request-id') ?? call.response.headers.get('x-request-id'))));
    const usage = first.data.usage;
    expect(written!.tokens).toMatchObject({ inputUncached: usage.input_tokens, cacheWrite: usage.cache_creation_input_tokens, cacheRead: 0 });
    expect(usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(read!.tokens.cacheRead).toBe(usage.cache_creation_input_tokens);
    expect(read!.tokens.inputUncached).toBe(second.data.usage.input_tokens);
    expect(readStreamed!.tokens).toEqual(read!.tokens);
    expect(readStreamed!.costUsd).toBe(read!.costUsd);
    // Each counter at its own price, none twice: $0.10 in, $0.01 cache read, $0.125 cache write, $0.50 out per million.
    const t = written!.tokens;
    expect(written!.costUsd).toBeCloseTo((t.inputUncached * 0.1 + t.cacheWrite * 0.125 + t.outputText * 0.5) / 1e6, 15);
    const r = read!.tokens;
    expect(read!.costUsd).toBeCloseTo((r.inputUncached * 0.1 + r.cacheRead * 0.01 + r.outputText * 0.5) / 1e6, 15);
  });

  it('a fallback records every attempt and why', async () => {
    stack.ollama.control.setFaults([{ kind: 'status', status: 500, match: { path: '/api/chat' } }]);
    const { response } = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'fall back please' }] }, task('kb-analysis')).withResponse();
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'ok', provider: 'anthropic', model: 'claude-haiku-5-5', local: false, fallbackReason: 'upstream_error' });
    expect(record.attempts.map((attempt) => [attempt.ref, attempt.outcome, attempt.status])).toEqual([
      ['ollama/qwen2.5:7b', 'error', 500],
      ['anthropic/claude-haiku-5-5', 'ok', undefined],
    ]);
    expect(record.savingsUsd).toBe(0);
  });

  it('a stream that fails after its first byte is recorded as partial, with estimated tokens', async () => {
    stack.openai.control.setFaults([{ kind: 'error-mid-stream', afterChunks: 3 }]);
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tollgate-task': 'mini' },
      body: JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'this will break' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('error');
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'partial', httpStatus: 200, provider: 'openai', model: 'gpt-4o-mini' });
    expect(record.errorCode).toBeTruthy();
    expect(record.tokens.estimated).toBe(true);
    expect(record.tokens.inputUncached).toBeGreaterThan(0);
    expect(record.costUsd).toBeGreaterThan(0);
  });

  it('a client that leaves mid-stream is recorded as client_aborted', async () => {
    stack.openai.control.setFaults([{ kind: 'trickle', intervalMs: 50 }]);
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tollgate-task': 'mini' },
      body: JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'I will not wait' }] }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'client_aborted', errorCode: 'client_aborted', provider: 'openai' });
  });

  it('an Anthropic stream cut short is billed on the prompt counts Anthropic reported at its start', async () => {
    stack.anthropic.control.setFaults([{ kind: 'trickle', intervalMs: 50 }]);
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-tollgate-task': 'haiku' },
      body: JSON.stringify({ model: 'auto', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'A question whose prompt size Anthropic tells us up front' }] }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('content_block_delta')) text += new TextDecoder().decode((await reader.read()).value);
    const inputTokens = Number(/"input_tokens":(\d+)/.exec(text)?.[1]);
    controller.abort();
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'client_aborted', provider: 'anthropic' });
    expect(inputTokens).toBeGreaterThan(0);
    expect(record.tokens.inputUncached).toBe(inputTokens);
    expect(record.tokens.estimated).toBe(true); // the output was estimated
    expect(record.tokens.outputText).toBeGreaterThan(0);
  });

  it.each([
    ['malformed JSON', '{"model": "auto", "messages": [', 400, 'invalid_json'],
    ['wrong types', JSON.stringify({ model: 'auto', messages: 'hello' }), 400, 'invalid_request'],
    ['an unknown model', JSON.stringify({ model: 'nope/nothing', messages: [{ role: 'user', content: 'hi' }] }), 404, 'model_not_found'],
    ['an oversized body', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] }), 413, 'payload_too_large'],
  ])('%s is refused clearly and still recorded', async (_name, body, status, code) => {
    const response = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { message: string } };
    expect(json.error.message).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'error', httpStatus: status, errorCode: code, costUsd: 0, provider: null });
  });

  it('a cache hit costs nothing and says so', async () => {
    const body = { model: 'auto', messages: [{ role: 'user' as const, content: 'cache me' }] };
    await openai.chat.completions.create(body, task('cached'));
    const { response } = await openai.chat.completions.create(body, task('cached')).withResponse();
    expect(response.headers.get('x-tollgate-cache')).toBe('hit');
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'ok', cache: 'hit', costUsd: 0, referenceCostUsd: 0, savingsUsd: 0 });
    expect(record.attempts).toEqual([]);
  });

  it('embeddings are recorded too', async () => {
    const { response } = await openai.embeddings.create({ model: 'embed', input: ['one', 'two'] }).withResponse();
    const record = await recordOf(response.headers.get('x-request-id'));
    expect(record).toMatchObject({ endpoint: 'embeddings', outcome: 'ok', provider: 'ollama', local: true });
    expect(record.tokens.inputUncached).toBeGreaterThan(0);
  });
});

describe('reports over HTTP', () => {
  it('/api/usage groups what the records say; /api/savings projects the month', async () => {
    const { response } = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'for the report' }] }, task('kb-analysis')).withResponse();
    await recordOf(response.headers.get('x-request-id'));
    const all = await stack.gateway.ledger.store.records({ limit: 10_000 });
    const usage = (await (await fetch(`${base}/api/usage?since=1h&by=target`)).json()) as { rows: Array<{ group: { target: string | null }; requests: number; costUsd: number }>; totals: { requests: number } };
    expect(usage.totals.requests).toBe(all.length);
    const local = usage.rows.find((row) => row.group.target === 'ollama/qwen2.5:7b');
    expect(local?.requests).toBe(all.filter((record) => record.provider === 'ollama' && record.model === 'qwen2.5:7b').length);

    const savings = (await (await fetch(`${base}/api/savings?since=1d`)).json()) as { totals: { savingsUsd: number; requests: number }; month: { savingsUsd: number; projectedSavingsUsd: number } };
    const expected = all.reduce((sum, record) => sum + (record.savingsUsd ?? 0), 0);
    expect(savings.totals.savingsUsd).toBeCloseTo(expected, 12);
    expect(savings.totals.savingsUsd).toBeGreaterThan(0);
    expect(savings.month.projectedSavingsUsd).toBeGreaterThanOrEqual(savings.month.savingsUsd);

    const bad = await fetch(`${base}/api/usage?by=colour`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/Unknown grouping 'colour'/);
  });
});
