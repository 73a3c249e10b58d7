/**
 * `GET /metrics` end to end: official clients send real traffic through a gateway in front of the
 * simulators (a fallback, a cache hit, a breaker that opens), then a scrape must agree exactly
 * with the ledger's records, and be valid Prometheus text.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import { parsePrometheusText, type Exposition } from '../monitor/testing/prometheus-text.js';
import { startStack, type Stack } from '../test-support/stack.js';

const TRAFFIC = 11;

let stack: Stack;
let records: LedgerRecord[];
let scrape: Exposition;
let contentType: string | null;

function task(name: string) {
  return { headers: { 'x-tollgate-task': name } };
}

beforeAll(async () => {
  stack = await startStack({
    config: () => ({
      execution: { breaker: { failureThreshold: 2, cooldownSeconds: 3600 } },
      routing: {
        defaults: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
        cloudFallback: [], // only the fallbacks the rules name
        rules: [
          { name: 'kb', match: { task: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] },
          { name: 'mini', match: { task: 'mini' }, targets: ['openai/gpt-4o-mini'] },
          { name: 'cached', match: { task: 'cached' }, targets: ['openai/gpt-4o-mini'], cache: { ttlSeconds: 600 } },
          { name: 'fragile', match: { task: 'fragile' }, targets: ['ollama/llama3.2'] },
        ],
      },
      pricing: { local: { gpuWatts: 300, kwhUsd: 0.2 } },
    }),
  });
  const base = stack.gateway.url;
  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'local', maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: base, apiKey: 'local', maxRetries: 0 });
  const ask = (content: string) => ({ model: 'auto', messages: [{ role: 'user' as const, content }] });

  // 1-2: cloud, plain and streamed.
  await openai.chat.completions.create(ask('plain cloud question'), task('mini'));
  const streamed = await openai.chat.completions.create({ ...ask('streamed cloud question'), stream: true, stream_options: { include_usage: true } }, task('mini'));
  for await (const chunk of streamed) void chunk;
  // 3: local, streamed, in the Anthropic dialect.
  const local = await anthropic.messages.create({ model: 'auto', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'local stream' }] }, task('kb-analysis'));
  for await (const event of local) void event;
  // 4: the local target fails once; the cloud answers (a fallback).
  stack.ollama.control.setFaults([{ kind: 'status', status: 500, times: 1, match: { path: '/api/chat' } }]);
  await openai.chat.completions.create(ask('fall back please'), task('kb-analysis'));
  stack.ollama.control.clearFaults();
  // 5-6: the same question twice under a caching rule: a miss, then a hit.
  await openai.chat.completions.create(ask('cache me'), task('cached'));
  await openai.chat.completions.create(ask('cache me'), task('cached'));
  // 7-9: a target that keeps failing opens its breaker; the third call is not even tried.
  stack.ollama.control.setFaults([{ kind: 'status', status: 500, match: { path: '/api/chat', model: 'llama3.2' } }]);
  for (let call = 0; call < 3; call++) await expect(openai.chat.completions.create(ask('fragile'), task('fragile'))).rejects.toThrow();
  stack.ollama.control.clearFaults();
  // 10: embeddings. 11: a body that is not JSON (nobody is called).
  await openai.embeddings.create({ model: 'embed', input: ['one', 'two'] });
  const bad = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "auto", ' });
  expect(bad.status).toBe(400);

  // A record is made when its response has closed, a moment after the client has its answer.
  for (let wait = 0; ; wait++) {
    await stack.gateway.ledger.flush();
    records = await stack.gateway.ledger.store.records({ limit: 10_000 });
    if (records.length >= TRAFFIC || wait === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(records).toHaveLength(TRAFFIC);
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  contentType = response.headers.get('content-type');
  scrape = parsePrometheusText(await response.text());
});
afterAll(() => stack.close());

/** Sums a value over records, grouped by a label key. */
function tally(select: (record: LedgerRecord) => Array<[key: string, value: number]>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const record of records) for (const [key, value] of select(record)) totals.set(key, (totals.get(key) ?? 0) + value);
  return totals;
}

function scraped(name: string, keyOf: (labels: Readonly<Record<string, string>>) => string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const sample of scrape.series(name)) totals.set(keyOf(sample.labels), (totals.get(keyOf(sample.labels)) ?? 0) + sample.value);
  return totals;
}

function split(ref: string): [string, string] {
  const slash = ref.indexOf('/');
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}

describe('GET /metrics after real traffic', () => {
  it('is Prometheus text with the right content type', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    // parsePrometheusText threw on any invalid line; the families are typed as they should be.
    expect(scrape.types.get('tollgate_requests_total')).toBe('counter');
    expect(scrape.types.get('tollgate_request_duration_seconds')).toBe('histogram');
    expect(scrape.types.get('tollgate_breaker_state')).toBe('gauge');
    expect(scrape.types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(scrape.types.get('tollgate_target_up')).toBe('gauge'); // the gateway's target monitor is wired in
  });

  it('counts every request once, labelled as its record', () => {
    expect(scrape.sum('tollgate_requests_total')).toBe(TRAFFIC);
    const expected = tally((record) => [[`${record.endpoint} ${record.dialect} ${record.outcome} ${record.provider ?? 'none'} ${String(record.local)}`, 1]]);
    const actual = scraped('tollgate_requests_total', (labels) => `${labels['endpoint']} ${labels['dialect']} ${labels['outcome']} ${labels['provider']} ${labels['local']}`);
    expect(actual).toEqual(expected);
    // Anchors, so the comparison above cannot pass on two empty sides.
    expect(actual.get('chat openai ok openai false')).toBe(3); // plain, streamed, the cache miss
    expect(actual.get('chat openai error ollama true')).toBe(3); // the fragile target, twice failed, once skipped
    expect(actual.get('chat openai ok none false')).toBe(1); // the cache hit
    expect(actual.get('chat openai error none false')).toBe(1); // not JSON
  });

  it('adds up tokens, cost and savings as the ledger does', () => {
    const kinds = ['inputUncached', 'cacheRead', 'cacheWrite', 'outputText', 'outputReasoning'] as const;
    const labels = ['input_uncached', 'cache_read', 'cache_write', 'output_text', 'output_reasoning'];
    const expectedTokens = tally((record) => (record.provider === null ? [] : kinds.map((kind, index) => [`${record.provider}/${record.model} ${labels[index]}`, record.tokens[kind]])));
    const tokens = scraped('tollgate_tokens_total', (l) => `${l['provider']}/${l['model']} ${l['kind']}`);
    expect(tokens).toEqual(expectedTokens);
    expect(tokens.get('ollama/qwen2.5:7b output_text')).toBeGreaterThan(0);

    const money = (name: string, pick: (record: LedgerRecord) => number) => {
      const expected = tally((record) => [[`${record.provider ?? 'none'} ${String(record.local)}`, pick(record)]]);
      const actual = scraped(name, (l) => `${l['provider']} ${l['local']}`);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, value] of expected) expect(actual.get(key)).toBeCloseTo(value, 12);
    };
    money('tollgate_cost_usd_total', (record) => record.costUsd ?? 0);
    money('tollgate_savings_usd_total', (record) => Math.max(record.savingsUsd ?? 0, 0));
    money('tollgate_overspend_usd_total', (record) => Math.max(-(record.savingsUsd ?? 0), 0));
    expect(scrape.sum('tollgate_cost_usd_total', { provider: 'openai' })).toBeGreaterThan(0);
    expect(scrape.sum('tollgate_savings_usd_total', { provider: 'ollama', local: 'true' })).toBeGreaterThan(0);
  });

  it('counts the fallback by reason, the cache hit, and each attempt', () => {
    expect(scrape.series('tollgate_fallbacks_total').map((sample) => [sample.labels, sample.value])).toEqual([
      [{ reason: 'upstream_error', from_provider: 'ollama', to_provider: 'anthropic' }, 1],
    ]);
    expect(records.filter((record) => record.fallbackReason !== null).map((record) => record.fallbackReason)).toEqual(['upstream_error']);
    expect(scrape.sum('tollgate_response_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(scrape.sum('tollgate_response_cache_lookups_total', { result: 'miss' })).toBe(1);
    const expected = tally((record) => record.attempts.map((attempt) => [`${split(attempt.ref).join(' ')} ${attempt.outcome}`, 1]));
    expect(scraped('tollgate_upstream_attempts_total', (l) => `${l['provider']} ${l['model']} ${l['outcome']}`)).toEqual(expected);
    expect(scrape.sum('tollgate_upstream_attempts_total', { provider: 'ollama', model: 'llama3.2', outcome: 'skipped' })).toBe(1);
  });

  it('observes latency for each answer and TTFT for each streamed one, by target', () => {
    const latency = tally((record) => (record.outcome === 'ok' && record.provider !== null ? [[`${record.provider}/${record.model}`, 1]] : []));
    expect(scraped('tollgate_request_duration_seconds_count', (l) => `${l['provider']}/${l['model']}`)).toEqual(latency);
    const ttft = tally((record) => (record.ttftMs !== null && record.provider !== null ? [[`${record.provider}/${record.model}`, 1]] : []));
    expect(scraped('tollgate_time_to_first_token_seconds_count', (l) => `${l['provider']}/${l['model']}`)).toEqual(ttft);
    expect(ttft.get('ollama/qwen2.5:7b')).toBe(1);
    expect(ttft.get('openai/gpt-4o-mini')).toBe(1);
    // The sum is the records' latencies in seconds.
    const sum = records.filter((record) => record.outcome === 'ok' && record.provider === 'openai').reduce((total, record) => total + record.latencyMs / 1000, 0);
    expect(scrape.sum('tollgate_request_duration_seconds_sum', { provider: 'openai', model: 'gpt-4o-mini' })).toBeCloseTo(sum, 9);
  });

  it('shows the breaker the failures opened, and the live gauges', () => {
    expect(scrape.sum('tollgate_breaker_state', { provider: 'ollama', model: 'llama3.2' })).toBe(2);
    expect(scrape.sum('tollgate_breaker_state', { provider: 'ollama', model: 'qwen2.5:7b' })).toBe(0); // one failure is not enough
    expect(scrape.series('tollgate_inflight_requests', { provider: 'ollama' })).toEqual([expect.objectContaining({ value: 0 })]);
    expect(scrape.sum('tollgate_inflight_limit', { provider: 'ollama' })).toBe(1);
    expect(scrape.series('tollgate_ledger_pending_records')).toEqual([expect.objectContaining({ value: 0 })]);
    expect(scrape.sum('tollgate_ledger_written_records_total')).toBe(TRAFFIC);
    expect(scrape.sum('tollgate_routing_mode', { mode: 'auto' })).toBe(1);
  });
});

describe('who may scrape', () => {
  let guarded: Stack;
  const adminKey = 'admin-key-0123456789abcdef';
  const token = 'metrics-token-0123456789';
  beforeAll(async () => {
    guarded = await startStack({ config: () => ({ admin: { key: adminKey }, metrics: { token } }) });
  });
  afterAll(() => guarded.close());

  const scrapeAs = (headers: Record<string, string>, remoteAddress = '203.0.113.9') =>
    guarded.gateway.app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });

  it('accepts the metrics token or the admin key, from anywhere', async () => {
    expect((await scrapeAs({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
    expect((await scrapeAs({ authorization: `Bearer ${adminKey}` })).statusCode).toBe(200);
    expect((await scrapeAs({ 'x-admin-key': adminKey })).statusCode).toBe(200);
  });

  it('refuses anyone else, loopback included once an admin key is set; the token opens nothing else', async () => {
    expect((await scrapeAs({})).statusCode).toBe(401);
    expect((await scrapeAs({}, '127.0.0.1')).statusCode).toBe(401);
    expect((await scrapeAs({ authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
    const admin = await guarded.gateway.app.inject({ method: 'GET', url: '/admin/mode', headers: { authorization: `Bearer ${token}` }, remoteAddress: '203.0.113.9' });
    expect(admin.statusCode).toBe(401);
  });

  it('without an admin key or token, answers loopback callers only', async () => {
    const response = await stack.gateway.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(response.statusCode).toBe(403);
  });
});
