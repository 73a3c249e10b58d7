import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { Provider } from '../core/index.js';
import type { TollgateConfig } from '../config/index.js';
import type { LedgerAttempt, LedgerRecord } from '../ledger/ledger-record.js';
import type { LedgerStore, TargetEvent } from '../ledger/ledger-store.js';
import { ollamaPsResponseSchema, ollamaVersionResponseSchema } from '../providers/ollama/ollama-api.js';
import { integrateUptime, sliceWindow } from './integrate-uptime.js';
import type { HostStatus, LoadedModel, MonitorView, StateSource, TargetState, TargetStatus, UptimeQuery, UptimeRow } from './monitor-view.js';

/**
 * What the monitor reads of the running gateway, always through `snapshot`, so a config reload
 * (providers added or removed, a new poll interval) is seen at the next poll. GatewayRuntime is one.
 */
export interface MonitoredRuntime {
  readonly snapshot: {
    readonly config: Pick<TollgateConfig, 'providers' | 'monitor'>;
    /** Whether a provider runs on our own hardware (routing's definition, `routing.local` included). */
    isLocal(provider: string): boolean;
    /** The live providers, for cloud probes (`health()`). */
    readonly registry: { get(name: string): Pick<Provider, 'health'> | undefined };
  };
}

/** The monitor's one timer, injected so tests drive polls themselves. */
export interface MonitorTimers {
  /** Calls `tick` every `ms` milliseconds until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

export interface TargetMonitorOptions {
  readonly runtime: MonitoredRuntime;
  /** Where transitions are written and uptime is read from (the ledger's store). */
  readonly store: Pick<LedgerStore, 'appendTargetEvents' | 'targetEvents'>;
  readonly logger: Logger;
  /** Epoch milliseconds; every event and status time comes from it. */
  readonly now?: () => number;
  readonly timers?: MonitorTimers;
  /** Connection pool for polls; default: the monitor's own keep-alive Agent, closed by close(). */
  readonly dispatcher?: Dispatcher;
}

/** What the monitor knows about one target, as it changes. */
interface Tracked {
  state: TargetState;
  local: boolean;
  since?: number;
  checkedAt?: number;
  source?: StateSource;
  latencyMs?: number;
  error?: string;
  hosts?: readonly HostStatus[];
}

/** One observation: the state it says, and what came with it. */
interface Observation {
  readonly state: 'up' | 'down';
  readonly source: StateSource;
  readonly latencyMs?: number;
  readonly error?: string;
  readonly hosts?: readonly HostStatus[];
}

type ProviderSettings = TollgateConfig['providers'][string];

const realTimers: MonitorTimers = {
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref(); // the monitor never keeps a process alive on its own
    return () => clearInterval(timer);
  },
};

/** Codes that say the target itself is unwell. A 429 or a 4xx says something about us, not it. */
const DOWN_CODES: ReadonlySet<string> = new Set(['upstream_unreachable', 'upstream_timeout', 'upstream_overloaded']);

/** Ollama writes a far-future `expires_at` (year 2318) for a model kept loaded forever. */
const FOREVER_AFTER_MS = 50 * 365 * 86_400_000;

const openAIModelsSchema = z.looseObject({});

/**
 * Watches every configured target and keeps its uptime history.
 *
 * Local targets are polled on an interval: each Ollama host with `/api/version` (is it there?) and
 * `/api/ps` (what is loaded, its VRAM, when it unloads), an OpenAI-compatible server with
 * `/models`. An Ollama pool is up while any of its hosts is. Cloud targets are judged from real
 * traffic (`observe`, fed every ledger record): an answer marks the provider up, a connection
 * failure, a 5xx or an overload marks it down; rate limits and bad requests say nothing about its
 * health. An optional probe (`monitor.probeCloud`) calls the provider's `health()` too.
 *
 * Only transitions are written to the store, so uptime over any window is a short integration
 * (`uptime`). `close()` writes a `stopped` event for every known target: the time the gateway was
 * not running counts as unknown, not as the last state seen. A poll never throws.
 */
export class TargetMonitor implements MonitorView {
  private readonly runtime: MonitoredRuntime;
  private readonly store: TargetMonitorOptions['store'];
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly timers: MonitorTimers;
  private readonly dispatcher: Dispatcher;
  private readonly ownedAgent: Agent | undefined;
  private readonly lifetime = new AbortController();
  private readonly targets = new Map<string, Tracked>();
  /** Transitions not yet stored (a failed write keeps them here for the next try). */
  private unwritten: TargetEvent[] = [];
  private writing: Promise<void> | undefined;
  private polling: Promise<void> | undefined;
  private stopTimer: (() => void) | undefined;
  private intervalMs = 0;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private writeFailures = 0;
  private closing: Promise<void> | undefined;

  constructor(options: TargetMonitorOptions) {
    this.runtime = options.runtime;
    this.store = options.store;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? realTimers;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownedAgent = undefined;
    } else {
      this.ownedAgent = new Agent({ keepAliveTimeout: 60_000 });
      this.dispatcher = this.ownedAgent;
    }
  }

  /** Polls at once, then every `monitor.intervalMs`. Resolves when the first poll is done (never rejects). */
  start(): Promise<void> {
    if (this.lifetime.signal.aborted || this.stopTimer) return Promise.resolve();
    this.arm();
    return this.poll();
  }

  /**
   * Polls every local target (and probes cloud ones when due) once; resolves when every answer is
   * in. Joins a poll already running. Never rejects.
   */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce()
      .catch((error: unknown) => this.logger.error({ err: error }, 'monitor: poll failed'))
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  /** Learns cloud health from a finished request's attempts. Synchronous and cheap: called for every record. */
  observe(record: LedgerRecord): void {
    if (this.lifetime.signal.aborted || record.attempts.length === 0) return;
    const { config, isLocal } = this.runtime.snapshot;
    const at = this.now();
    for (const attempt of record.attempts) {
      const slash = attempt.ref.indexOf('/');
      const provider = attempt.ref.slice(0, slash);
      // Local targets are polled; traffic would make them flap between two sources.
      if (slash <= 0 || !Object.hasOwn(config.providers, provider) || isLocal(provider)) continue;
      if (attempt.outcome === 'ok') {
        // The common case, once per answered request: an up target answered again. Nothing changes but when.
        const tracked = this.targets.get(provider);
        if (tracked !== undefined && tracked.state === 'up' && tracked.source === 'traffic') {
          tracked.checkedAt = at;
          tracked.latencyMs = attempt.latencyMs;
          continue;
        }
      }
      const observation = fromAttempt(attempt);
      if (observation) this.apply(provider, false, observation, at);
    }
  }

  statuses(): TargetStatus[] {
    const { config, isLocal } = this.runtime.snapshot;
    return Object.entries(config.providers).map(([target, settings]) => {
      const tracked = this.targets.get(target);
      return {
        target,
        kind: settings.type,
        local: isLocal(target),
        state: tracked?.state ?? 'unknown',
        ...(tracked?.since !== undefined ? { since: tracked.since } : {}),
        ...(tracked?.checkedAt !== undefined ? { checkedAt: tracked.checkedAt } : {}),
        ...(tracked?.source !== undefined ? { source: tracked.source } : {}),
        ...(tracked?.latencyMs !== undefined ? { latencyMs: tracked.latencyMs } : {}),
        ...(tracked?.error !== undefined ? { error: tracked.error } : {}),
        ...(tracked?.hosts !== undefined ? { hosts: tracked.hosts } : {}),
      };
    });
  }

  async uptime(query: UptimeQuery): Promise<UptimeRow[]> {
    await this.flush();
    const stored = await this.store.targetEvents(query);
    // A transition the store has not taken yet still counts (it is kept until it is written).
    const unwritten = this.unwritten.filter((event) => event.ts < query.to && (query.target === undefined || event.target === query.target));
    const events = unwritten.length === 0 ? stored : [...stored, ...unwritten].sort((a, b) => a.ts - b.ts);
    // Time after now has not happened: it is neither up, down nor unknown.
    const to = Math.min(query.to, this.now());
    const order = Object.keys(this.runtime.snapshot.config.providers);
    const rank = (target: string): number => {
      const index = order.indexOf(target);
      return index === -1 ? order.length : index;
    };
    const inOrder = (rows: UptimeRow[]): UptimeRow[] => rows.sort((a, b) => rank(a.target) - rank(b.target) || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
    if (query.period === undefined) return inOrder(integrateUptime(events, { from: query.from, to }));
    return sliceWindow(query.from, to, query.period).flatMap((slice) =>
      inOrder(integrateUptime(events, slice)).map(({ target, ...row }) => ({ target, period: slice.label, ...row })),
    );
  }

  /** Stops polling, records `stopped` for every known target and writes what is left. Call before the store closes. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopTimer?.();
      this.stopTimer = undefined;
      this.lifetime.abort();
      await this.polling;
      const at = this.now();
      for (const [target, tracked] of this.targets) {
        if (tracked.state !== 'unknown') this.unwritten.push({ ts: at, target, state: 'stopped', local: tracked.local, source: null, error: null });
      }
      this.targets.clear();
      await this.flush();
      if (this.unwritten.length > 0) this.logger.error({ events: this.unwritten.length }, 'monitor: target events could not be stored at shutdown');
      await this.ownedAgent?.close();
    })();
    return this.closing;
  }

  /** (Re)starts the timer at the configured interval. */
  private arm(): void {
    const intervalMs = this.runtime.snapshot.config.monitor.intervalMs;
    this.stopTimer?.();
    this.intervalMs = intervalMs;
    this.stopTimer = this.timers.every(intervalMs, () => {
      // A reload may have changed the interval: the next ticks follow it.
      if (this.runtime.snapshot.config.monitor.intervalMs !== this.intervalMs) this.arm();
      void this.poll();
    });
  }

  private async pollOnce(): Promise<void> {
    const { config, isLocal, registry } = this.runtime.snapshot;
    const settings = config.monitor;
    const at = this.now();
    this.forgetRemoved(config.providers, at);
    const probeCloud = settings.probeCloud && at - this.lastProbeAt >= settings.cloudProbeIntervalMs;
    if (probeCloud) this.lastProbeAt = at;
    const checks: Promise<void>[] = [];
    for (const [name, provider] of Object.entries(config.providers)) {
      const local = isLocal(name);
      if (!local && !probeCloud) continue;
      const check = async (): Promise<Observation> => {
        if (!local) return this.probe(registry.get(name), settings.timeoutMs);
        if (provider.type === 'ollama') return this.pollOllama(provider.hosts ?? [provider.baseUrl], provider.headers, settings.timeoutMs);
        if (provider.type === 'anthropic') return this.probe(registry.get(name), settings.timeoutMs);
        return this.pollOpenAICompatible(provider, settings.timeoutMs);
      };
      checks.push(
        check().then(
          (observation) => {
            // Answers that arrive after close() are aborts of our own making, not outages.
            if (!this.lifetime.signal.aborted) this.apply(name, local, observation, this.now());
          },
          (error: unknown) => this.logger.error({ err: error, target: name }, 'monitor: check failed'),
        ),
      );
    }
    await Promise.all(checks);
  }

  /** One Ollama server or a pool: one HostStatus per host; up while any host is. */
  private async pollOllama(hosts: readonly string[], headers: Record<string, string> | undefined, timeoutMs: number): Promise<Observation> {
    const statuses = await Promise.all(hosts.map((url) => this.pollOllamaHost(url, lowerCased(headers), timeoutMs)));
    const up = statuses.filter((host) => host.state === 'up');
    if (up.length === 0) {
      const first = statuses[0]?.error ?? 'no answer';
      return { state: 'down', source: 'poll', error: statuses.length === 1 ? first : `all ${statuses.length} hosts down; ${statuses[0]?.url}: ${first}`, hosts: statuses };
    }
    return { state: 'up', source: 'poll', latencyMs: Math.min(...up.map((host) => host.latencyMs ?? Number.POSITIVE_INFINITY)), hosts: statuses };
  }

  /** `/api/version` says whether the host answers; `/api/ps` what it holds. A failing `/api/ps` alone leaves the host up. */
  private async pollOllamaHost(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HostStatus> {
    const base = url.replace(/\/+$/, '');
    const deadline = this.deadline(timeoutMs);
    const { signal } = deadline;
    const started = performance.now();
    const [version, ps] = await Promise.allSettled([
      this.getJson(`${base}/api/version`, headers, signal, timeoutMs, ollamaVersionResponseSchema).then((body) => ({ body, latencyMs: performance.now() - started })),
      this.getJson(`${base}/api/ps`, headers, signal, timeoutMs, ollamaPsResponseSchema),
    ]).finally(deadline.end);
    if (version.status === 'rejected') return { url, state: 'down', error: describeFailure(version.reason, signal, timeoutMs), loaded: [] };
    const now = this.now();
    const loaded: LoadedModel[] =
      ps.status === 'fulfilled'
        ? (ps.value.models ?? []).map((model) => {
            const expiresAt = model.expires_at === undefined ? Number.NaN : Date.parse(model.expires_at);
            const expires = Number.isFinite(expiresAt) && expiresAt > 0 && expiresAt - now < FOREVER_AFTER_MS;
            return { name: model.name, vramBytes: model.size_vram ?? model.size ?? 0, ...(expires ? { expiresAt } : {}) };
          })
        : [];
    return {
      url,
      state: 'up',
      version: version.value.body.version,
      latencyMs: version.value.latencyMs,
      ...(ps.status === 'rejected' ? { error: `/api/ps: ${describeFailure(ps.reason, signal, timeoutMs)}` } : {}),
      loaded,
    };
  }

  /** vLLM, llama.cpp, LM Studio: `GET {baseUrl}/models` answering 2xx means up. */
  private async pollOpenAICompatible(provider: Extract<ProviderSettings, { type: 'openai' | 'openai-compatible' }>, timeoutMs: number): Promise<Observation> {
    const headers = lowerCased({ ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}), ...provider.headers });
    const deadline = this.deadline(timeoutMs);
    const started = performance.now();
    try {
      await this.getJson(`${provider.baseUrl.replace(/\/+$/, '')}/models`, headers, deadline.signal, timeoutMs, openAIModelsSchema);
      return { state: 'up', source: 'poll', latencyMs: performance.now() - started };
    } catch (error) {
      return { state: 'down', source: 'poll', error: describeFailure(error, deadline.signal, timeoutMs) };
    } finally {
      deadline.end();
    }
  }

  /** The provider's own cheap health call (a model list), within the poll timeout. */
  private async probe(provider: Pick<Provider, 'health'> | undefined, timeoutMs: number): Promise<Observation> {
    if (!provider) return { state: 'down', source: 'probe', error: 'provider not running' };
    const deadline = this.deadline(timeoutMs);
    try {
      const health = await provider.health({ signal: deadline.signal });
      if (health.ok) return { state: 'up', source: 'probe', latencyMs: health.latencyMs };
      const error = deadline.signal.aborted ? describeFailure(undefined, deadline.signal, timeoutMs) : (health.error ?? 'unhealthy');
      return { state: 'down', source: 'probe', latencyMs: health.latencyMs, error };
    } finally {
      deadline.end();
    }
  }

  /**
   * A signal for one check: aborted after `timeoutMs` (reason: a TimeoutError) or at close().
   * Not `AbortSignal.any` over the monitor's lifetime signal: that would tie one more dependant
   * signal to a signal that lives for months, every poll. `end()` releases both.
   */
  private deadline(timeoutMs: number): { signal: AbortSignal; end: () => void } {
    const controller = new AbortController();
    const lifetime = this.lifetime.signal;
    const onClose = (): void => controller.abort(lifetime.reason);
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    timer.unref();
    if (lifetime.aborted) onClose();
    else lifetime.addEventListener('abort', onClose, { once: true });
    return {
      signal: controller.signal,
      end: () => {
        clearTimeout(timer);
        lifetime.removeEventListener('abort', onClose);
      },
    };
  }

  private async getJson<T>(url: string, headers: Record<string, string>, signal: AbortSignal, timeoutMs: number, schema: z.ZodType<T>): Promise<T> {
    const response = await request(url, { method: 'GET', headers, signal, dispatcher: this.dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      // The status only: an error body may echo a credential (a 401 quoting the key it refused), and this goes to logs.
      await response.body.dump().catch(() => undefined);
      throw new Error(`HTTP ${response.statusCode}`);
    }
    const parsed = schema.safeParse(await response.body.json());
    if (!parsed.success) throw new Error(`unexpected answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  /** Updates a target's live state; a change of state is a transition, written to the store. */
  private apply(target: string, local: boolean, observation: Observation, at: number): void {
    let tracked = this.targets.get(target);
    if (!tracked) {
      tracked = { state: 'unknown', local };
      this.targets.set(target, tracked);
    }
    tracked.local = local;
    tracked.checkedAt = at;
    tracked.source = observation.source;
    tracked.latencyMs = observation.latencyMs;
    if (observation.hosts !== undefined) tracked.hosts = observation.hosts;
    tracked.error = observation.state === 'down' ? observation.error : undefined;
    if (tracked.state === observation.state) return;
    const before = tracked.state;
    tracked.state = observation.state;
    tracked.since = at;
    this.unwritten.push({ ts: at, target, state: observation.state, local, source: observation.source, error: observation.error ?? null });
    if (observation.state === 'down') this.logger.warn({ target, source: observation.source, error: observation.error, was: before }, 'monitor: target down');
    else this.logger.info({ target, source: observation.source, was: before }, 'monitor: target up');
    void this.flush();
  }

  /** A target removed by a reload stops being watched: its history ends with `stopped`. */
  private forgetRemoved(providers: TollgateConfig['providers'], at: number): void {
    for (const [target, tracked] of this.targets) {
      if (Object.hasOwn(providers, target)) continue;
      this.targets.delete(target);
      if (tracked.state !== 'unknown') this.unwritten.push({ ts: at, target, state: 'stopped', local: tracked.local, source: null, error: null });
    }
    if (this.unwritten.length > 0) void this.flush();
  }

  /** Writes the transitions not yet stored, one write at a time. Never rejects: a failed write keeps them for the next call. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.unwritten.length === 0) return;
    const batch = this.unwritten;
    this.unwritten = [];
    this.writing = this.store.appendTargetEvents(batch).then(
      () => {
        if (this.writeFailures > 0) this.logger.info({ afterFailures: this.writeFailures }, 'monitor: storing target events again');
        this.writeFailures = 0;
      },
      (error: unknown) => {
        this.unwritten = [...batch, ...this.unwritten];
        if (this.writeFailures++ === 0) this.logger.error({ err: error, events: batch.length }, 'monitor: cannot store target events; kept and retried');
      },
    );
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }
}

/** What one attempt of a real request says about a cloud provider, if anything. */
function fromAttempt(attempt: LedgerAttempt): Observation | undefined {
  if (attempt.outcome === 'ok') return { state: 'up', source: 'traffic', latencyMs: attempt.latencyMs };
  if (attempt.outcome !== 'error' || attempt.reason === 'deadline') return undefined; // our own deadline, not the provider's fault
  const serverFault = attempt.status !== undefined ? attempt.status >= 500 : attempt.code === 'upstream_error';
  if (!serverFault && !(attempt.code !== undefined && DOWN_CODES.has(attempt.code))) return undefined;
  const why = attempt.reason ?? attempt.code ?? 'failed';
  return { state: 'down', source: 'traffic', error: attempt.status !== undefined ? `HTTP ${attempt.status}: ${why}` : why };
}

function lowerCased(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}

/** One line on why a poll failed: a timeout says so, a socket error keeps its code. */
function describeFailure(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted && signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const message = cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
