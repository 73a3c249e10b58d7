import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RoutingMode } from '../core/index.js';
import type { ExecutorState } from '../execution/executor.js';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import { GatewayMetrics, type GatewayMetricsSources } from './gateway-metrics.js';
import type { TargetStatus } from './monitor-view.js';
import { parsePrometheusText } from './testing/prometheus-text.js';
import { ledgerRecord } from '../ledger/testing/ledger-record-fixture.js';

function record(overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  return ledgerRecord({
    id: 'req-1',
    ts: 0,
    keyId: 'key-secret-id',
    requestedModel: 'auto',
    rule: 'rules.kb',
    attempts: [{ ref: 'ollama/qwen2.5:7b', outcome: 'ok', latencyMs: 100, retry: 0 }],
    model: 'qwen2.5:7b',
    tokens: { inputUncached: 10, cacheRead: 0, cacheWrite: 0, outputText: 5, outputReasoning: 0, estimated: false },
    costUsd: 0.001,
    referenceModel: 'anthropic/claude-haiku-5-5',
    referenceCostUsd: 0.004,
    savingsUsd: 0.003,
    latencyMs: 120,
    ...overrides,
  });
}

/** Sources whose state a test sets directly. */
function fakeSources(): GatewayMetricsSources & {
  state: ExecutorState;
  mode: RoutingMode;
  modeOverridden: boolean;
  stats: { pending: number; written: number; spilled: number; failing: boolean };
  statuses: TargetStatus[];
} {
  const fake = {
    state: { breakers: {}, capacity: {} } as ExecutorState,
    mode: 'auto' as RoutingMode,
    modeOverridden: false,
    stats: { pending: 0, written: 0, spilled: 0, failing: false },
    statuses: [] as TargetStatus[],
    runtime: {
      snapshot: { executor: { state: () => fake.state } },
      get mode() {
        return fake.mode;
      },
      get modeOverridden() {
        return fake.modeOverridden;
      },
    },
    ledger: {
      get stats() {
        return fake.stats;
      },
    },
    monitor: { statuses: () => fake.statuses },
  };
  return fake;
}

async function scrape(metrics: GatewayMetrics) {
  return parsePrometheusText(await metrics.metrics());
}

describe('GatewayMetrics from ledger records', () => {
  it('counts requests by endpoint, dialect, outcome, provider and local', async () => {
    const metrics = new GatewayMetrics(fakeSources(), { processMetrics: false });
    metrics.observe(record());
    metrics.observe(record());
    metrics.observe(record({ dialect: 'anthropic', outcome: 'partial' }));
    metrics.observe(record({ provider: 'anthropic', model: 'claude-haiku-5-5', local: false, outcome: 'error' }));
    metrics.observe(record({ endpoint: 'embeddings', provider: null, model: null, local: false, outcome: 'error', attempts: [] }));
    const text = await scrape(metrics);
    expect(text.types.get('tollgate_requests_total')).toBe('counter');
    expect(text.series('tollgate_requests_total').map((sample) => [sample.labels, sample.value])).toEqual(
      expect.arrayContaining([
        [{ endpoint: 'chat', dialect: 'openai', outcome: 'ok', provider: 'ollama', local: 'true' }, 2],
        [{ endpoint: 'chat', dialect: 'anthropic', outcome: 'partial', provider: 'ollama', local: 'true' }, 1],
        [{ endpoint: 'chat', dialect: 'openai', outcome: 'error', provider: 'anthropic', local: 'false' }, 1],
        [{ endpoint: 'embeddings', dialect: 'openai', outcome: 'error', provider: 'none', local: 'false' }, 1],
      ]),
    );
    expect(text.series('tollgate_requests_total')).toHaveLength(4);
    expect(text.sum('tollgate_requests_total')).toBe(5);
  });

  it('adds tokens by target and kind, and cost, savings and overspend by provider', async () => {
    const metrics = new GatewayMetrics(fakeSources(), { processMetrics: false });
    const tokens = { inputUncached: 100, cacheRead: 50, cacheWrite: 25, outputText: 40, outputReasoning: 7, estimated: false };
    metrics.observe(record({ tokens, costUsd: 0.25, savingsUsd: 0.5 }));
    metrics.observe(record({ tokens, costUsd: 0.125, savingsUsd: null, referenceCostUsd: null }));
    metrics.observe(record({ tokens, costUsd: null, savingsUsd: null })); // price unknown: no cost, still tokens
    metrics.observe(record({ provider: 'openai', model: 'gpt-4o', local: false, tokens, costUsd: 2, savingsUsd: -0.75 }));
    const text = await scrape(metrics);
    const local = { provider: 'ollama', model: 'qwen2.5:7b' };
    expect(text.sum('tollgate_tokens_total', { ...local, kind: 'input_uncached' })).toBe(300);
    expect(text.sum('tollgate_tokens_total', { ...local, kind: 'cache_read' })).toBe(150);
    expect(text.sum('tollgate_tokens_total', { ...local, kind: 'cache_write' })).toBe(75);
    expect(text.sum('tollgate_tokens_total', { ...local, kind: 'output_text' })).toBe(120);
    expect(text.sum('tollgate_tokens_total', { ...local, kind: 'output_reasoning' })).toBe(21);
    expect(text.sum('tollgate_tokens_total', { provider: 'openai', kind: 'input_uncached' })).toBe(100);
    expect(text.sum('tollgate_cost_usd_total', { provider: 'ollama', local: 'true' })).toBe(0.375);
    expect(text.sum('tollgate_savings_usd_total', { provider: 'ollama', local: 'true' })).toBe(0.5);
    expect(text.sum('tollgate_overspend_usd_total', { provider: 'ollama' })).toBe(0);
    expect(text.sum('tollgate_cost_usd_total', { provider: 'openai', local: 'false' })).toBe(2);
    expect(text.sum('tollgate_savings_usd_total', { provider: 'openai' })).toBe(0);
    expect(text.sum('tollgate_overspend_usd_total', { provider: 'openai', local: 'false' })).toBe(0.75);
    // No series for a provider/local pair that served nothing.
    expect(text.series('tollgate_cost_usd_total', { provider: 'ollama', local: 'false' })).toEqual([]);
  });

  it('observes latency for answered requests and TTFT for streams, in seconds', async () => {
    const metrics = new GatewayMetrics(fakeSources(), { processMetrics: false });
    metrics.observe(record({ latencyMs: 300 }));
    metrics.observe(record({ latencyMs: 3_000, stream: true, ttftMs: 200 }));
    metrics.observe(record({ latencyMs: 9_000, outcome: 'error' })); // failed: not an answer's latency
    metrics.observe(record({ latencyMs: 1, provider: null, model: null, cache: 'hit', attempts: [] })); // nobody answered
    const text = await scrape(metrics);
    const target = { provider: 'ollama', model: 'qwen2.5:7b' };
    expect(text.types.get('tollgate_request_duration_seconds')).toBe('histogram');
    expect(text.sum('tollgate_request_duration_seconds_count', target)).toBe(2);
    expect(text.sum('tollgate_request_duration_seconds_sum', target)).toBeCloseTo(3.3, 12);
    expect(text.sum('tollgate_request_duration_seconds_bucket', { ...target, le: '0.5' })).toBe(1);
    expect(text.sum('tollgate_request_duration_seconds_bucket', { ...target, le: '4' })).toBe(2);
    expect(text.series('tollgate_request_duration_seconds_count')).toHaveLength(1);
    expect(text.sum('tollgate_time_to_first_token_seconds_count', target)).toBe(1);
    expect(text.sum('tollgate_time_to_first_token_seconds_sum', target)).toBeCloseTo(0.2, 12);
    expect(text.sum('tollgate_time_to_first_token_seconds_bucket', { ...target, le: '0.1' })).toBe(0);
    expect(text.sum('tollgate_time_to_first_token_seconds_bucket', { ...target, le: '0.25' })).toBe(1);
  });

  it('counts fallbacks by reason with the providers involved, attempts by outcome, and cache lookups', async () => {
    const metrics = new GatewayMetrics(fakeSources(), { processMetrics: false });
    const fellBack = record({
      provider: 'anthropic',
      model: 'claude-haiku-5-5',
      local: false,
      fallbackReason: 'upstream_error',
      attempts: [
        { ref: 'ollama/qwen2.5:7b', outcome: 'error', code: 'upstream_error', status: 500, latencyMs: 5, retry: 0 },
        { ref: 'anthropic/claude-haiku-5-5', outcome: 'ok', latencyMs: 50, retry: 0 },
      ],
    });
    metrics.observe(fellBack);
    metrics.observe(fellBack);
    metrics.observe(
      record({
        provider: 'anthropic',
        model: 'claude-haiku-5-5',
        local: false,
        fallbackReason: 'breaker-open',
        attempts: [
          { ref: 'ollama/qwen2.5:7b', outcome: 'skipped', reason: 'breaker-open', latencyMs: 0, retry: 0 },
          { ref: 'anthropic/claude-haiku-5-5', outcome: 'ok', latencyMs: 50, retry: 0 },
        ],
      }),
    );
    // A reason outside the known set (free text) never becomes a label.
    metrics.observe(record({ provider: 'anthropic', model: 'claude-haiku-5-5', local: false, fallbackReason: 'something odd: with text', attempts: [] }));
    metrics.observe(record({ cache: 'hit', provider: null, model: null, local: false, attempts: [] }));
    metrics.observe(record({ cache: 'miss' }));
    metrics.observe(record({ cache: 'miss' }));
    const text = await scrape(metrics);
    expect(text.series('tollgate_fallbacks_total').map((sample) => [sample.labels, sample.value])).toEqual(
      expect.arrayContaining([
        [{ reason: 'upstream_error', from_provider: 'ollama', to_provider: 'anthropic' }, 2],
        [{ reason: 'breaker-open', from_provider: 'ollama', to_provider: 'anthropic' }, 1],
        [{ reason: 'other', from_provider: 'none', to_provider: 'anthropic' }, 1],
      ]),
    );
    expect(text.sum('tollgate_fallbacks_total')).toBe(4);
    const ollama = { provider: 'ollama', model: 'qwen2.5:7b' };
    expect(text.sum('tollgate_upstream_attempts_total', { ...ollama, outcome: 'error' })).toBe(2);
    expect(text.sum('tollgate_upstream_attempts_total', { ...ollama, outcome: 'skipped' })).toBe(1);
    expect(text.sum('tollgate_upstream_attempts_total', { ...ollama, outcome: 'ok' })).toBe(2);
    expect(text.sum('tollgate_upstream_attempts_total', { provider: 'anthropic', model: 'claude-haiku-5-5', outcome: 'ok' })).toBe(3);
    expect(text.sum('tollgate_response_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(text.sum('tollgate_response_cache_lookups_total', { result: 'miss' })).toBe(2);
  });

  it('keeps label cardinality bounded: models past the cap become other, ids and keys never appear', async () => {
    const metrics = new GatewayMetrics(fakeSources(), { processMetrics: false, maxTargets: 2 });
    for (const model of ['a', 'b', 'c', 'd']) {
      metrics.observe(record({ id: `request-${model}`, model, attempts: [{ ref: `ollama/${model}`, outcome: 'ok', latencyMs: 1, retry: 0 }] }));
    }
    const raw = await metrics.metrics();
    const text = parsePrometheusText(raw);
    const models = text.series('tollgate_tokens_total', { kind: 'output_text' }).map((sample) => [sample.labels['model'], sample.value]);
    expect(models).toEqual([['a', 5], ['b', 5], ['other', 10]]);
    expect(text.sum('tollgate_request_duration_seconds_count', { model: 'other' })).toBe(2);
    expect(text.series('tollgate_upstream_attempts_total').map((sample) => sample.labels['model'])).toEqual(['a', 'b', 'other']);
    expect(text.sum('tollgate_upstream_attempts_total', { provider: 'other', model: 'other' })).toBe(2);
    expect(raw).not.toContain('request-');
    expect(raw).not.toContain('key-secret-id');
  });

  it('uses its own registry, not prom-client\'s global one', async () => {
    const a = new GatewayMetrics(fakeSources(), { processMetrics: false });
    const b = new GatewayMetrics(fakeSources(), { processMetrics: false });
    a.observe(record());
    expect((await scrape(a)).sum('tollgate_requests_total')).toBe(1);
    expect((await scrape(b)).sum('tollgate_requests_total')).toBe(0);
    expect(globalRegistry.getSingleMetric('tollgate_requests_total')).toBeUndefined();
  });

  it('includes the process metrics, unprefixed, by default, in every gateway of the process', async () => {
    for (let gateway = 0; gateway < 2; gateway++) {
      const metrics = new GatewayMetrics(fakeSources());
      metrics.observe(record());
      const text = await scrape(metrics);
      expect(text.types.get('process_cpu_seconds_total')).toBe('counter');
      expect(text.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
      expect(text.sum('tollgate_requests_total')).toBe(1);
    }
    expect((await scrape(new GatewayMetrics(fakeSources(), { processMetrics: false }))).types.has('process_cpu_seconds_total')).toBe(false);
  });
});

describe('GatewayMetrics read at scrape time', () => {
  it('reports breakers, capacity, the ledger queue, target health and the routing mode as they are now', async () => {
    const sources = fakeSources();
    const metrics = new GatewayMetrics(sources, { processMetrics: false });
    sources.state = {
      breakers: { 'ollama/qwen2.5:7b': 'open', 'anthropic/claude-haiku-5-5': 'closed', 'vllm/meta-llama/Llama-3-8B': 'half-open' },
      capacity: { ollama: { inFlight: 2, queued: 1, limit: 2, queueLimit: 4 } },
    };
    sources.stats = { pending: 42, written: 1000, spilled: 3, failing: true };
    sources.statuses = [
      { target: 'ollama', kind: 'ollama', local: true, state: 'down' },
      { target: 'anthropic', kind: 'anthropic', local: false, state: 'up' },
      { target: 'openai', kind: 'openai', local: false, state: 'unknown' },
    ];
    sources.mode = 'cloud-only';
    sources.modeOverridden = true;
    let text = await scrape(metrics);
    expect(text.sum('tollgate_breaker_state', { provider: 'ollama', model: 'qwen2.5:7b' })).toBe(2);
    expect(text.sum('tollgate_breaker_state', { provider: 'anthropic', model: 'claude-haiku-5-5' })).toBe(0);
    expect(text.sum('tollgate_breaker_state', { provider: 'vllm', model: 'meta-llama/Llama-3-8B' })).toBe(1);
    expect(text.sum('tollgate_inflight_requests', { provider: 'ollama' })).toBe(2);
    expect(text.sum('tollgate_queued_requests', { provider: 'ollama' })).toBe(1);
    expect(text.sum('tollgate_inflight_limit', { provider: 'ollama' })).toBe(2);
    expect(text.sum('tollgate_queue_limit', { provider: 'ollama' })).toBe(4);
    expect(text.sum('tollgate_ledger_pending_records')).toBe(42);
    expect(text.sum('tollgate_ledger_store_failing')).toBe(1);
    expect(text.sum('tollgate_ledger_written_records_total')).toBe(1000);
    expect(text.sum('tollgate_ledger_spilled_records_total')).toBe(3);
    expect(text.series('tollgate_target_up').map((sample) => [sample.labels, sample.value])).toEqual([
      [{ provider: 'ollama', local: 'true' }, 0],
      [{ provider: 'anthropic', local: 'false' }, 1],
    ]);
    expect(text.series('tollgate_routing_mode').map((sample) => [sample.labels['mode'], sample.value])).toEqual([
      ['auto', 0],
      ['cloud-only', 1],
      ['local-only', 0],
    ]);
    expect(text.sum('tollgate_routing_mode_overridden')).toBe(1);

    // The next scrape sees the new state; targets that left do not linger.
    sources.state = { breakers: { 'ollama/qwen2.5:7b': 'half-open' }, capacity: {} };
    sources.statuses = [];
    sources.mode = 'auto';
    text = await scrape(metrics);
    expect(text.series('tollgate_breaker_state').map((sample) => [sample.labels, sample.value])).toEqual([[{ provider: 'ollama', model: 'qwen2.5:7b' }, 1]]);
    expect(text.series('tollgate_inflight_requests')).toEqual([]);
    expect(text.series('tollgate_target_up')).toEqual([]);
    expect(text.sum('tollgate_routing_mode', { mode: 'auto' })).toBe(1);
  });

  it('leaves out what it has no source for', async () => {
    const { runtime } = fakeSources();
    const text = await scrape(new GatewayMetrics({ runtime }, { processMetrics: false }));
    expect(text.types.has('tollgate_target_up')).toBe(false);
    expect(text.types.has('tollgate_ledger_pending_records')).toBe(false);
    expect(text.types.has('tollgate_breaker_state')).toBe(true);
  });
});

describe('parsePrometheusText', () => {
  it('rejects what Prometheus would reject', () => {
    expect(() => parsePrometheusText('# TYPE a counter\na 1')).toThrow(/newline/);
    expect(() => parsePrometheusText('b 1\n')).toThrow(/undeclared/);
    expect(() => parsePrometheusText('# TYPE a counter\na{x="1} 1\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n')).toThrow(/Duplicate/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n')).toThrow(/cumulative/);
    expect(parsePrometheusText('# HELP a x\n# TYPE a counter\na{x="q\\"uote"} 1.5\n').sum('a', { x: 'q"uote' })).toBe(1.5);
  });
});
