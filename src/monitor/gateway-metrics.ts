import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode, Provider, RoutingMode } from '../core/index.js';
import type { ExecutorState } from '../execution/executor.js';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import type { MonitorView } from './monitor-view.js';

/** What the scrape-time gauges read. A GatewayRuntime, a Ledger and a TargetMonitor fit. */
export interface GatewayMetricsSources {
  /** The live executor (breakers, capacity) and the routing mode, read at each scrape. */
  readonly runtime: {
    readonly snapshot: {
      readonly executor: { state(): ExecutorState };
      /** Providers, for the per-host load of pools. */
      readonly registry?: { all(): Iterable<Pick<Provider, 'name' | 'hostLoad'>> };
    };
    readonly mode: RoutingMode;
    readonly modeOverridden: boolean;
  };
  /** The ledger's queue: records accepted but not yet written, and the store's health. */
  readonly ledger?: { readonly stats: { pending: number; written: number; spilled: number; failing: boolean } };
  /** Each target's up/down state; absent until a monitor runs (the `target_up` gauge is then empty). */
  readonly monitor?: Pick<MonitorView, 'statuses'>;
}

export interface GatewayMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC) in the same registry. Default on. */
  readonly processMetrics?: boolean;
  /**
   * Distinct `provider/model` label pairs kept before new ones are counted as model `other`.
   * A client may name any model of a configured provider, so models are not bounded by config.
   */
  readonly maxTargets?: number;
}

/** Arrival to the last byte of an answer. LLM calls run from tens of milliseconds (a cache, a short local answer) to minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300];
/** Arrival to the first content token: a warm GPU answers in tens of ms, a cold model load takes tens of seconds. */
const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/** The label value for an absent provider, model or reason. */
const NONE = 'none';
/** The label value past a cardinality cap, or for a value outside a closed set. */
const OTHER = 'other';

const ENDPOINTS = ['chat', 'embeddings'] as const;
const DIALECTS = ['openai', 'anthropic'] as const;
const OUTCOMES = ['ok', 'error', 'partial', 'client_aborted'] as const;
const LOCAL = ['false', 'true'] as const;
const ENDPOINT_INDEX: Record<LedgerRecord['endpoint'], number> = { chat: 0, embeddings: 1 };
const DIALECT_INDEX: Record<LedgerRecord['dialect'], number> = { openai: 0, anthropic: 1 };
const OUTCOME_INDEX: Record<LedgerRecord['outcome'], number> = { ok: 0, error: 1, partial: 2, client_aborted: 3 };
/** One request counter per endpoint × dialect × outcome × local, in a flat array. */
const REQUEST_CELLS = ENDPOINTS.length * DIALECTS.length * OUTCOMES.length * LOCAL.length;

const TOKEN_KINDS = ['input_uncached', 'cache_read', 'cache_write', 'output_text', 'output_reasoning'] as const;
const ATTEMPT_OUTCOMES = ['ok', 'error', 'skipped'] as const;
const ATTEMPT_INDEX: Record<LedgerRecord['attempts'][number]['outcome'], number> = { ok: 0, error: 1, skipped: 2 };

/** Every error code, spelled out so the compiler says when the catalogue grows. */
const ERROR_CODES: Record<ErrorCode, true> = {
  invalid_request: true,
  invalid_json: true,
  model_not_found: true,
  not_found: true,
  payload_too_large: true,
  unsupported_media_type: true,
  authentication_failed: true,
  permission_denied: true,
  rate_limited: true,
  budget_exceeded: true,
  no_route: true,
  upstream_error: true,
  upstream_overloaded: true,
  upstream_timeout: true,
  upstream_unreachable: true,
  upstream_bad_response: true,
  client_aborted: true,
  internal_error: true,
};
/** A fallback's reason is an error code or one of the executor's skip reasons; anything else is `other`. */
const FALLBACK_REASONS: ReadonlySet<string> = new Set([...Object.keys(ERROR_CODES), 'breaker-open', 'capacity-full', 'queue-timeout', 'deadline']);

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
const ROUTING_MODES: readonly RoutingMode[] = ['auto', 'cloud-only', 'local-only'];

/** One provider's request counts and money, plus its models. */
interface ProviderSlot {
  readonly provider: string;
  /** Indexed by `requestCell()`. */
  readonly requests: Float64Array;
  /** Indexed by local (0 cloud, 1 local). */
  readonly costUsd: Float64Array;
  readonly savingsUsd: Float64Array;
  readonly overspendUsd: Float64Array;
  readonly models: Map<string, TargetSlot>;
}

/** One `provider/model` that answered: its histograms (prom-client children, bound once) and tokens. */
interface TargetSlot {
  readonly latency: Histogram.Internal<'provider' | 'model'>;
  readonly ttft: Histogram.Internal<'provider' | 'model'>;
  /** Indexed like TOKEN_KINDS. */
  readonly tokens: Float64Array;
}

/** One target ref seen in attempts, by its outcome. */
interface RefSlot {
  readonly provider: string;
  readonly model: string;
  /** Indexed like ATTEMPT_OUTCOMES. */
  readonly attempts: Float64Array;
}

/**
 * The gateway's Prometheus metrics over its own registry (never prom-client's global one: tests
 * run many gateways in one process, and an embedder's own metrics stay apart).
 *
 * Request metrics come from ledger records: `observe` is the Ledger's observer, called once per
 * request. It only adds numbers into slots found by map lookups on strings the records already
 * hold (no label strings built, no prom-client label hashing); counters are handed to prom-client
 * when scraped. The two latency histograms are the exception: prom-client gives no way to set a
 * histogram, so each answered record makes one or two `observe` calls on pre-bound children.
 * State (breakers, capacity, ledger queue, target health, routing mode) is read at scrape time.
 *
 * Labels are bounded: provider names come from the config, models are capped (`maxTargets`),
 * reasons and outcomes are closed sets, and ids, keys or free text never become labels.
 */
export class GatewayMetrics {
  /** Everything `/metrics` serves: this gateway's metrics, plus the process's unless turned off. */
  readonly registry: Registry;

  private readonly providers = new Map<string, ProviderSlot>();
  private readonly refs = new Map<string, RefSlot>();
  private readonly fallbacks = new Map<string, { reason: string; from: string; to: string; count: number }>();
  private cacheHits = 0;
  private cacheMisses = 0;
  private targets = 0;
  private readonly maxTargets: number;
  private readonly latency: Histogram<'provider' | 'model'>;
  private readonly ttft: Histogram<'provider' | 'model'>;

  constructor(
    private readonly sources: GatewayMetricsSources,
    options: GatewayMetricsOptions = {},
  ) {
    this.maxTargets = options.maxTargets ?? 500;
    const own = new Registry();
    const registers = [own];

    const requests = new Counter({
      name: 'tollgate_requests_total',
      help: 'Requests by endpoint, client dialect, outcome and the provider that answered (or last failed; none when nobody was called, e.g. refused or a cache hit).',
      labelNames: ['endpoint', 'dialect', 'outcome', 'provider', 'local'] as const,
      registers,
      collect: () => {
        requests.reset();
        for (const slot of this.providers.values()) {
          for (let cell = 0; cell < REQUEST_CELLS; cell++) {
            const count = slot.requests[cell]!;
            if (count > 0) requests.inc(requestLabels(cell, slot.provider), count);
          }
        }
      },
    });

    this.latency = new Histogram({
      name: 'tollgate_request_duration_seconds',
      help: 'Arrival to the last byte of answered requests (outcome ok), by the target that answered.',
      labelNames: ['provider', 'model'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.ttft = new Histogram({
      name: 'tollgate_time_to_first_token_seconds',
      help: 'Arrival to the first content token of streamed answers, by the target that answered.',
      labelNames: ['provider', 'model'] as const,
      buckets: TTFT_BUCKETS,
      registers,
    });

    const tokens = new Counter({
      name: 'tollgate_tokens_total',
      help: 'Tokens as billed, by target and kind: input_uncached, cache_read, cache_write, output_text, output_reasoning.',
      labelNames: ['provider', 'model', 'kind'] as const,
      registers,
      collect: () => {
        tokens.reset();
        for (const slot of this.providers.values()) {
          for (const [model, target] of slot.models) {
            for (let kind = 0; kind < TOKEN_KINDS.length; kind++) tokens.inc({ provider: slot.provider, model, kind: TOKEN_KINDS[kind] }, target.tokens[kind]!);
          }
        }
      },
    });

    const money = (name: string, help: string, pick: (slot: ProviderSlot) => Float64Array) => {
      const counter: Counter<'provider' | 'local'> = new Counter({
        name,
        help,
        labelNames: ['provider', 'local'] as const,
        registers,
        collect: () => {
          counter.reset();
          for (const slot of this.providers.values()) {
            for (let local = 0; local < 2; local++) {
              if (requestsAt(slot, local) > 0) counter.inc({ provider: slot.provider, local: LOCAL[local] }, pick(slot)[local]!);
            }
          }
        },
      });
    };
    money('tollgate_cost_usd_total', 'What requests cost in USD: cloud list price, or local energy. Requests with an unknown price add nothing.', (slot) => slot.costUsd);
    money(
      'tollgate_savings_usd_total',
      'What the reference cloud model would have charged minus what requests cost, in USD, summed over requests that saved. Net savings = this - tollgate_overspend_usd_total.',
      (slot) => slot.savingsUsd,
    );
    money(
      'tollgate_overspend_usd_total',
      'What requests cost above their reference model, in USD (negative savings, kept apart so both counters only grow).',
      (slot) => slot.overspendUsd,
    );

    const attempts = new Counter({
      name: 'tollgate_upstream_attempts_total',
      help: 'Tries of each target by outcome: ok, error, or skipped (breaker open, capacity full, queue timeout, deadline).',
      labelNames: ['provider', 'model', 'outcome'] as const,
      registers,
      collect: () => {
        attempts.reset();
        for (const slot of this.refs.values()) {
          for (let outcome = 0; outcome < ATTEMPT_OUTCOMES.length; outcome++) {
            const count = slot.attempts[outcome]!;
            if (count > 0) attempts.inc({ provider: slot.provider, model: slot.model, outcome: ATTEMPT_OUTCOMES[outcome] }, count);
          }
        }
      },
    });

    const fallbacks = new Counter({
      name: 'tollgate_fallbacks_total',
      help: 'Requests answered by a later target because the first failed or was skipped, by reason (an error code or a skip reason), the first target\'s provider and the answering provider.',
      labelNames: ['reason', 'from_provider', 'to_provider'] as const,
      registers,
      collect: () => {
        fallbacks.reset();
        for (const entry of this.fallbacks.values()) fallbacks.inc({ reason: entry.reason, from_provider: entry.from, to_provider: entry.to }, entry.count);
      },
    });

    const cache = new Counter({
      name: 'tollgate_response_cache_lookups_total',
      help: 'Response-cache lookups by result (hit: answered from the cache, nobody called; miss). Only rules with caching on look up.',
      labelNames: ['result'] as const,
      registers,
      collect: () => {
        cache.reset();
        cache.inc({ result: 'hit' }, this.cacheHits);
        cache.inc({ result: 'miss' }, this.cacheMisses);
      },
    });

    const breaker = new Gauge({
      name: 'tollgate_breaker_state',
      help: 'Circuit breaker per target: 0 closed, 1 half-open, 2 open. Targets appear once they have been called.',
      labelNames: ['provider', 'model'] as const,
      registers,
      collect: () => {
        breaker.reset();
        const { breakers } = this.sources.runtime.snapshot.executor.state();
        for (const [ref, state] of Object.entries(breakers)) breaker.set(splitRef(ref), BREAKER_VALUE[state]);
      },
    });

    const capacity = (name: string, help: string, pick: (entry: ExecutorState['capacity'][string]) => number) => {
      const gauge: Gauge<'provider'> = new Gauge({
        name,
        help,
        labelNames: ['provider'] as const,
        registers,
        collect: () => {
          gauge.reset();
          const state = this.sources.runtime.snapshot.executor.state();
          for (const [provider, entry] of Object.entries(state.capacity)) gauge.set({ provider }, pick(entry));
        },
      });
    };
    const hostInFlight: Gauge<'provider' | 'host'> = new Gauge({
      name: 'tollgate_host_inflight_requests',
      help: 'Requests running on each host of an Ollama pool (the pool balances on it).',
      labelNames: ['provider', 'host'] as const,
      registers,
      collect: () => {
        hostInFlight.reset();
        for (const provider of this.sources.runtime.snapshot.registry?.all() ?? []) {
          for (const host of provider.hostLoad?.() ?? []) hostInFlight.set({ provider: provider.name, host: host.url }, host.inFlight);
        }
      },
    });
    capacity('tollgate_inflight_requests', 'Requests running on each local provider (an Ollama pool counts all its hosts).', (entry) => entry.inFlight);
    capacity('tollgate_queued_requests', 'Requests waiting for a slot on each local provider.', (entry) => entry.queued);
    capacity('tollgate_inflight_limit', 'Slots of each local provider (maxInFlight, times hosts for a pool).', (entry) => entry.limit);
    capacity('tollgate_queue_limit', 'Queue places of each local provider (maxQueue, times hosts for a pool).', (entry) => entry.queueLimit);

    const { ledger, monitor } = this.sources;
    if (ledger) {
      const pending: Gauge = new Gauge({
        name: 'tollgate_ledger_pending_records',
        help: 'Ledger records accepted but not yet written to the store (the group-commit queue depth).',
        registers,
        collect: () => pending.set(ledger.stats.pending),
      });
      const failing: Gauge = new Gauge({
        name: 'tollgate_ledger_store_failing',
        help: '1 while writes to the ledger store are failing (records are kept, retried, then spilled to disk), else 0.',
        registers,
        collect: () => failing.set(ledger.stats.failing ? 1 : 0),
      });
      const written: Counter = new Counter({
        name: 'tollgate_ledger_written_records_total',
        help: 'Ledger records written to the store by this process.',
        registers,
        collect: () => {
          written.reset();
          written.inc(ledger.stats.written);
        },
      });
      const spilled: Counter = new Counter({
        name: 'tollgate_ledger_spilled_records_total',
        help: 'Ledger records the store could not take, written to the spill file for the next start.',
        registers,
        collect: () => {
          spilled.reset();
          spilled.inc(ledger.stats.spilled);
        },
      });
    }

    if (monitor) {
      const up = new Gauge({
        name: 'tollgate_target_up',
        help: 'Whether each configured provider is up (1) or down (0), as the target monitor last saw it; omitted while unknown.',
        labelNames: ['provider', 'local'] as const,
        registers,
        collect: () => {
          up.reset();
          for (const status of monitor.statuses()) {
            if (status.state !== 'unknown') up.set({ provider: status.target, local: status.local ? 'true' : 'false' }, status.state === 'up' ? 1 : 0);
          }
        },
      });
    }

    const mode = new Gauge({
      name: 'tollgate_routing_mode',
      help: 'The routing mode new requests get: 1 for the current one (auto, cloud-only, local-only), 0 for the others.',
      labelNames: ['mode'] as const,
      registers,
      collect: () => {
        const current = this.sources.runtime.mode;
        for (const each of ROUTING_MODES) mode.set({ mode: each }, each === current ? 1 : 0);
      },
    });
    const overridden: Gauge = new Gauge({
      name: 'tollgate_routing_mode_overridden',
      help: '1 while the kill switch (PUT /admin/mode) overrides the configured routing mode, else 0.',
      registers,
      collect: () => overridden.set(this.sources.runtime.modeOverridden ? 1 : 0),
    });

    this.registry = (options.processMetrics ?? true) ? Registry.merge([own, processMetrics()]) : own;
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Ledger's observer: one call per record, synchronous; once its slots exist it only adds numbers (and observes the histograms). */
  readonly observe = (record: LedgerRecord): void => {
    const providerName = record.provider;
    const local = record.local ? 1 : 0;
    const provider = this.providerSlot(providerName ?? NONE);
    provider.requests[requestCell(record, local)]! += 1;
    if (record.costUsd !== null) provider.costUsd[local]! += record.costUsd;
    const savings = record.savingsUsd;
    if (savings !== null) {
      if (savings >= 0) provider.savingsUsd[local]! += savings;
      else provider.overspendUsd[local]! -= savings;
    }
    if (providerName !== null && record.model !== null) {
      const target = this.targetSlot(provider, record.model);
      const tokens = record.tokens;
      const counts = target.tokens;
      counts[0]! += tokens.inputUncached;
      counts[1]! += tokens.cacheRead;
      counts[2]! += tokens.cacheWrite;
      counts[3]! += tokens.outputText;
      counts[4]! += tokens.outputReasoning;
      if (record.outcome === 'ok') target.latency.observe(record.latencyMs / 1000);
      if (record.ttftMs !== null) target.ttft.observe(record.ttftMs / 1000);
    }
    const attempts = record.attempts;
    for (let index = 0; index < attempts.length; index++) {
      const attempt = attempts[index]!;
      this.refSlot(attempt.ref).attempts[ATTEMPT_INDEX[attempt.outcome]]! += 1;
    }
    if (record.cache === 'hit') this.cacheHits += 1;
    else if (record.cache === 'miss') this.cacheMisses += 1;
    if (record.fallbackReason !== null) this.countFallback(record);
  };

  private providerSlot(name: string): ProviderSlot {
    let slot = this.providers.get(name);
    if (slot === undefined) {
      slot = {
        provider: name,
        requests: new Float64Array(REQUEST_CELLS),
        costUsd: new Float64Array(2),
        savingsUsd: new Float64Array(2),
        overspendUsd: new Float64Array(2),
        models: new Map(),
      };
      this.providers.set(name, slot);
    }
    return slot;
  }

  private targetSlot(provider: ProviderSlot, model: string): TargetSlot {
    const slot = provider.models.get(model);
    if (slot !== undefined) return slot;
    // Past the cap, new models of this provider share one `other` slot.
    const label = this.targets < this.maxTargets ? model : OTHER;
    const existing = provider.models.get(label);
    if (existing !== undefined) return existing;
    this.targets += 1;
    const labels = { provider: provider.provider, model: label };
    const created: TargetSlot = { latency: this.latency.labels(labels), ttft: this.ttft.labels(labels), tokens: new Float64Array(TOKEN_KINDS.length) };
    provider.models.set(label, created);
    return created;
  }

  private refSlot(ref: string): RefSlot {
    const slot = this.refs.get(ref);
    if (slot !== undefined) return slot;
    // Past the cap, new refs share one `other/other` slot.
    const key = this.refs.size < this.maxTargets ? ref : `${OTHER}/${OTHER}`;
    const existing = this.refs.get(key);
    if (existing !== undefined) return existing;
    const created: RefSlot = { ...splitRef(key), attempts: new Float64Array(ATTEMPT_OUTCOMES.length) };
    this.refs.set(key, created);
    return created;
  }

  /** Fallbacks are rare, so their key may be built per event. */
  private countFallback(record: LedgerRecord): void {
    const raw = record.fallbackReason ?? NONE;
    const reason = FALLBACK_REASONS.has(raw) ? raw : OTHER;
    const first = record.attempts[0];
    const from = first ? this.refSlot(first.ref).provider : NONE;
    const to = record.provider ?? NONE;
    const key = `${reason}\n${from}\n${to}`;
    const entry = this.fallbacks.get(key);
    if (entry) entry.count += 1;
    else this.fallbacks.set(key, { reason, from, to, count: 1 });
  }
}

let processRegistry: Registry | undefined;

/**
 * Node's process metrics (`process_*`, `nodejs_*`), collected once per process and shared by every
 * gateway in it: they describe the process whichever gateway is scraped, and each collection starts
 * an event-loop timer and a GC observer that prom-client gives no way to stop. Unprefixed: those are
 * the names Node dashboards and alerts expect; `job`/`instance` labels tell gateways apart.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function requestCell(record: LedgerRecord, local: number): number {
  return ((ENDPOINT_INDEX[record.endpoint] * DIALECTS.length + DIALECT_INDEX[record.dialect]) * OUTCOMES.length + OUTCOME_INDEX[record.outcome]) * LOCAL.length + local;
}

function requestLabels(cell: number, provider: string) {
  const local = cell % LOCAL.length;
  const outcome = Math.floor(cell / LOCAL.length) % OUTCOMES.length;
  const dialect = Math.floor(cell / (LOCAL.length * OUTCOMES.length)) % DIALECTS.length;
  const endpoint = Math.floor(cell / (LOCAL.length * OUTCOMES.length * DIALECTS.length));
  return { endpoint: ENDPOINTS[endpoint]!, dialect: DIALECTS[dialect]!, outcome: OUTCOMES[outcome]!, provider, local: LOCAL[local]! };
}

function requestsAt(slot: ProviderSlot, local: number): number {
  let total = 0;
  for (let cell = local; cell < REQUEST_CELLS; cell += LOCAL.length) total += slot.requests[cell]!;
  return total;
}

/** `provider/model` → labels. Provider names cannot contain `/`; model ids can. */
function splitRef(ref: string): { provider: string; model: string } {
  const slash = ref.indexOf('/');
  return slash < 0 ? { provider: ref, model: NONE } : { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}
