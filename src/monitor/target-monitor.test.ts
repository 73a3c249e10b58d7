/**
 * The target monitor against the simulators, on an injected clock: polls are called by the test
 * (the timer is a fake that never fires on its own), so every transition happens at a known time
 * and uptime figures are exact.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig, type ConfigInput } from '../config/index.js';
import type { LedgerAttempt, LedgerRecord } from '../ledger/ledger-record.js';
import type { LedgerStore, TargetEvent } from '../ledger/ledger-store.js';
import { createSqliteLedgerStore } from '../ledger/store/sqlite-ledger-store.js';
import { makeRecord } from '../auth/testing/memory-key-store.js';
import { GatewayRuntime } from '../server/gateway-runtime.js';
import { startAnthropicSim, startOllamaSim, startOpenAISim, type SimServer } from '../sim/index.js';
import { TargetMonitor, type MonitorTimers, type TargetMonitorOptions } from './target-monitor.js';

type MonitorStore = TargetMonitorOptions['store'];

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2026-11-23T00:00:00Z. */
const T0 = Date.UTC(2026, 10, 23);
const logger = pino({ level: 'silent' });

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Harness {
  readonly monitor: TargetMonitor;
  readonly runtime: GatewayRuntime;
  readonly store: MonitorStore;
  readonly clock: { now: number };
  readonly ticks: { ms: number; tick: () => void; stopped: boolean }[];
  /** Every event stored so far, oldest first. */
  events(): Promise<TargetEvent[]>;
}

async function newStore(): Promise<LedgerStore> {
  const store = await createSqliteLedgerStore({ path: ':memory:' });
  await store.migrate();
  cleanup.push(() => store.close());
  return store;
}

async function sim<T extends SimServer>(started: Promise<T>): Promise<T> {
  const server = await started;
  cleanup.push(() => server.close());
  return server;
}

async function harness(providers: ConfigInput['providers'], options: { store?: MonitorStore; monitor?: ConfigInput['monitor']; clock?: { now: number } } = {}): Promise<Harness> {
  const config = validateConfig({ logging: { level: 'silent' }, providers, monitor: options.monitor ?? {} }, 'test');
  const runtime = new GatewayRuntime(config);
  cleanup.push(() => runtime.close());
  const store = options.store ?? (await newStore());
  const clock = options.clock ?? { now: T0 };
  const ticks: Harness['ticks'] = [];
  const timers: MonitorTimers = {
    every(ms, tick) {
      const entry = { ms, tick, stopped: false };
      ticks.push(entry);
      return () => {
        entry.stopped = true;
      };
    },
  };
  const monitor = new TargetMonitor({ runtime, store, logger, now: () => clock.now, timers });
  cleanup.push(() => monitor.close());
  return { monitor, runtime, store, clock, ticks, events: async () => {
      await monitor.flush();
      return store.targetEvents({ from: 0, to: Number.MAX_SAFE_INTEGER });
    },
  };
}

const states = (events: readonly TargetEvent[]) => events.map((event) => `${event.target}:${event.state}@${(event.ts - T0) / MIN}m`);

describe('polling Ollama', () => {
  it('records a transition once, not on every poll', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor, clock, events } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } });
    expect(monitor.statuses()).toEqual([{ target: 'gpu', kind: 'ollama', local: true, state: 'unknown' }]);

    for (let minute = 0; minute < 3; minute++) {
      clock.now = T0 + minute * MIN;
      await monitor.poll();
    }
    ollama.control.setFaults([{ kind: 'reset' }]);
    for (let minute = 3; minute < 6; minute++) {
      clock.now = T0 + minute * MIN;
      await monitor.poll();
    }
    ollama.control.clearFaults();
    clock.now = T0 + 6 * MIN;
    await monitor.poll();
    await monitor.poll();

    expect(states(await events())).toEqual(['gpu:up@0m', 'gpu:down@3m', 'gpu:up@6m']);
    const stored = await events();
    expect(stored[1]).toMatchObject({ local: true, source: 'poll', error: expect.stringMatching(/socket|ECONNRESET|other side closed/i) });
    const [status] = monitor.statuses();
    expect(status).toMatchObject({ target: 'gpu', state: 'up', since: T0 + 6 * MIN, checkedAt: T0 + 6 * MIN, source: 'poll' });
    expect(status?.error).toBeUndefined();
    expect(status?.hosts).toEqual([{ url: ollama.url, state: 'up', version: '0.12.0', latencyMs: expect.any(Number), loaded: [] }]);
  });

  it('reports the models each host holds, their VRAM and when they unload', async () => {
    const ollama = await sim(startOllamaSim({ keepAliveMs: 10 * MIN }));
    const { monitor } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } });
    const load = async (model: string, keepAlive?: number) => {
      const response = await fetch(`${ollama.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model, prompt: 'hi', stream: false, ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}) }) });
      expect(response.status).toBe(200);
      await response.text();
    };
    const before = Date.now();
    await load('llama3.2');
    await load('qwen2.5:7b', -1); // kept loaded forever
    await monitor.poll();
    const loaded = monitor.statuses()[0]?.hosts?.[0]?.loaded ?? [];
    expect(loaded.map((model) => model.name).sort()).toEqual(['llama3.2:latest', 'qwen2.5:7b']);
    for (const model of loaded) expect(model.vramBytes).toBeGreaterThan(1e9);
    const llama = loaded.find((model) => model.name === 'llama3.2:latest');
    expect(llama?.expiresAt).toBeGreaterThanOrEqual(before + 10 * MIN - 1_000);
    expect(loaded.find((model) => model.name === 'qwen2.5:7b')).not.toHaveProperty('expiresAt');
  });

  it('keeps a host up whose /api/ps fails, saying why', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } });
    ollama.control.setFaults([{ kind: 'status', status: 500, match: { path: '/api/ps' } }]);
    await monitor.poll();
    expect(monitor.statuses()[0]).toMatchObject({ state: 'up', hosts: [{ state: 'up', error: expect.stringContaining('/api/ps: HTTP 500'), loaded: [] }] });
  });

  it('keeps a pool up while any host is, with one status per host', async () => {
    const [a, b] = await Promise.all([sim(startOllamaSim()), sim(startOllamaSim({ version: '0.13.1' }))]);
    const { monitor, clock, events } = await harness({ pool: { type: 'ollama', hosts: [a.url, b.url] } });
    await monitor.poll();
    expect(monitor.statuses()[0]?.hosts?.map((host) => [host.url, host.state, host.version])).toEqual([
      [a.url, 'up', '0.12.0'],
      [b.url, 'up', '0.13.1'],
    ]);

    await b.close(); // refuses connections from now on
    clock.now = T0 + MIN;
    await monitor.poll();
    const [pool] = monitor.statuses();
    expect(pool).toMatchObject({ state: 'up', since: T0 });
    // Refused, or (on the kept-alive connection the server just cut) closed by the other side.
    expect(pool?.hosts?.[1]).toMatchObject({ url: b.url, state: 'down', error: expect.stringMatching(/ECONNREFUSED|other side closed/), loaded: [] });

    a.control.setFaults([{ kind: 'status', status: 502 }]);
    clock.now = T0 + 2 * MIN;
    await monitor.poll();
    expect(monitor.statuses()[0]).toMatchObject({ state: 'down', since: T0 + 2 * MIN, error: expect.stringMatching(/^all 2 hosts down; .*HTTP 502/) });
    expect(states(await events())).toEqual(['pool:up@0m', 'pool:down@2m']);
  });

  it('marks a host that does not answer in time down, and a poll cut by close() records nothing', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor, clock, events } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } }, { monitor: { timeoutMs: 50 } });
    await monitor.poll();
    ollama.control.setFaults([{ kind: 'hang', match: { path: '/api/version' } }]);
    clock.now = T0 + MIN;
    await monitor.poll();
    expect(monitor.statuses()[0]).toMatchObject({ state: 'down', error: 'no answer within 50 ms' });

    ollama.control.clearFaults();
    clock.now = T0 + 2 * MIN;
    await monitor.poll();
    ollama.control.setFaults([{ kind: 'hang' }]);
    clock.now = T0 + 3 * MIN;
    const hung = monitor.poll();
    await monitor.close();
    await hung;
    // Up until close(); the aborted poll is not an outage.
    expect(states(await events())).toEqual(['gpu:up@0m', 'gpu:down@1m', 'gpu:up@2m', 'gpu:stopped@3m']);
  });
});

describe('polling OpenAI-compatible servers', () => {
  it('asks GET {baseUrl}/models with the key, and marks an error status down', async () => {
    const server = await sim(startOpenAISim({ apiKey: 'local-key' }));
    const { monitor, clock, events } = await harness({
      vllm: { type: 'openai-compatible', baseUrl: `${server.url}/v1`, apiKey: 'local-key' },
      nokey: { type: 'openai-compatible', baseUrl: `${server.url}/v1` },
    });
    await monitor.poll();
    expect(monitor.statuses()).toMatchObject([
      { target: 'vllm', kind: 'openai-compatible', local: true, state: 'up', latencyMs: expect.any(Number) },
      { target: 'nokey', state: 'down', error: expect.stringContaining('HTTP 401') },
    ]);
    expect(server.control.stats().byPath['/v1/models']).toBe(2);

    server.control.setFaults([{ kind: 'status', status: 503 }]);
    clock.now = T0 + MIN;
    await monitor.poll();
    expect(monitor.statuses()[0]).toMatchObject({ state: 'down', error: expect.stringContaining('HTTP 503') });
    expect(states(await events())).toEqual(['vllm:up@0m', 'nokey:down@0m', 'vllm:down@1m']);
  });
});

describe('cloud targets', () => {
  const cloud: ConfigInput['providers'] = {
    anthropic: { type: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: 'k' },
    openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' },
  };
  const attempt = (ref: string, fields: Partial<LedgerAttempt> = {}): LedgerAttempt => ({ ref, outcome: 'ok', latencyMs: 120, retry: 0, ...fields });
  const record = (...attempts: LedgerAttempt[]): LedgerRecord => makeRecord({ ts: T0, attempts });

  it('are not polled, and are judged from the outcomes of real requests', async () => {
    const { monitor, clock, events } = await harness(cloud);
    await monitor.poll(); // nothing to poll: the cloud stays unknown without traffic
    expect(monitor.statuses().map((status) => status.state)).toEqual(['unknown', 'unknown']);

    const haiku = 'anthropic/claude-haiku-5-5';
    const at = (minute: number, ...attempts: LedgerAttempt[]) => {
      clock.now = T0 + minute * MIN;
      monitor.observe(record(...attempts));
    };
    at(0, attempt(haiku));
    at(1, attempt(haiku, { outcome: 'error', code: 'rate_limited', status: 429 }));
    at(2, attempt(haiku, { outcome: 'error', code: 'invalid_request', status: 400 }));
    at(3, attempt(haiku, { outcome: 'error', code: 'upstream_timeout', reason: 'deadline' })); // our deadline, not theirs
    at(4, attempt(haiku, { outcome: 'skipped', reason: 'breaker-open' }));
    at(5, attempt(haiku, { outcome: 'error', code: 'upstream_unreachable', reason: 'connect ECONNREFUSED' }));
    at(6, attempt(haiku, { outcome: 'error', code: 'upstream_overloaded', status: 529, reason: 'Overloaded' }));
    at(7, attempt(haiku, { outcome: 'error', code: 'upstream_error', status: 500, reason: 'boom' }), attempt('openai/gpt-4o'));
    at(8, attempt(haiku));
    // Local and unknown providers are not judged from traffic.
    at(9, attempt('gpu/llama3.2', { outcome: 'error', code: 'upstream_unreachable' }), attempt('nobody/x', { outcome: 'error', code: 'upstream_unreachable' }));

    expect(states(await events())).toEqual(['anthropic:up@0m', 'anthropic:down@5m', 'openai:up@7m', 'anthropic:up@8m']);
    expect((await events())[1]).toMatchObject({ local: false, source: 'traffic', error: 'connect ECONNREFUSED' });
    expect(monitor.statuses()).toMatchObject([
      { target: 'anthropic', kind: 'anthropic', local: false, state: 'up', since: T0 + 8 * MIN, checkedAt: T0 + 8 * MIN, source: 'traffic', latencyMs: 120 },
      { target: 'openai', state: 'up', since: T0 + 7 * MIN },
    ]);
    clock.now = T0 + 10 * MIN;
    expect(await monitor.uptime({ from: T0, to: T0 + HOUR, target: 'anthropic' })).toEqual([
      { target: 'anthropic', local: false, upMs: 7 * MIN, downMs: 3 * MIN, unknownMs: 0, uptime: 0.7, outages: 1 },
    ]);
  });

  it('are probed with their health() call when probeCloud is on, at most every cloudProbeIntervalMs', async () => {
    const anthropic = await sim(startAnthropicSim({ apiKey: 'k' }));
    const { monitor, clock } = await harness(
      { anthropic: { type: 'anthropic', baseUrl: anthropic.url, apiKey: 'k' } },
      { monitor: { probeCloud: true, cloudProbeIntervalMs: 60_000 } },
    );
    await monitor.poll();
    expect(monitor.statuses()[0]).toMatchObject({ state: 'up', source: 'probe' });
    anthropic.control.setFaults([{ kind: 'status', status: 500 }]);
    clock.now = T0 + 30_000;
    await monitor.poll(); // not due yet
    expect(monitor.statuses()[0]).toMatchObject({ state: 'up' });
    expect(anthropic.control.stats().byPath['/v1/models']).toBe(1);
    clock.now = T0 + 60_000;
    await monitor.poll();
    expect(monitor.statuses()[0]).toMatchObject({ state: 'down', source: 'probe', error: expect.any(String) });
  });
});

describe('uptime', () => {
  it('is exact over a known timeline: 3 h up, 30 min down = 85.7 %', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor, clock } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } });
    await monitor.poll();
    clock.now = T0 + 3 * HOUR;
    ollama.control.setFaults([{ kind: 'reset' }]);
    await monitor.poll();
    clock.now = T0 + 3 * HOUR + 30 * MIN;
    ollama.control.clearFaults();
    await monitor.poll();

    clock.now = T0 + 5 * HOUR;
    const [row] = await monitor.uptime({ from: T0, to: T0 + 3 * HOUR + 30 * MIN });
    expect(row).toEqual({ target: 'gpu', local: true, upMs: 3 * HOUR, downMs: 30 * MIN, unknownMs: 0, uptime: 6 / 7, outages: 1 });
    expect(row?.uptime?.toFixed(3)).toBe('0.857');
    // Before the first poll is unknown; after now has not happened and is not counted.
    expect(await monitor.uptime({ from: T0 - HOUR, to: T0 + 10 * HOUR })).toEqual([
      { target: 'gpu', local: true, upMs: 4.5 * HOUR, downMs: 30 * MIN, unknownMs: HOUR, uptime: 0.9, outages: 1 },
    ]);
  });

  it('counts the time the gateway was stopped as unknown', async () => {
    const ollama = await sim(startOllamaSim());
    const store = await newStore();
    const clock = { now: T0 };
    const first = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } }, { store, clock });
    await first.monitor.poll();
    clock.now = T0 + HOUR;
    await first.monitor.close();

    clock.now = T0 + 3 * HOUR; // a new process, two hours later
    const second = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } }, { store, clock });
    await second.monitor.poll();
    clock.now = T0 + 4 * HOUR;
    expect(states(await second.events())).toEqual(['gpu:up@0m', 'gpu:stopped@60m', 'gpu:up@180m']);
    expect(await second.monitor.uptime({ from: T0, to: T0 + 4 * HOUR })).toEqual([
      { target: 'gpu', local: true, upMs: 2 * HOUR, downMs: 0, unknownMs: 2 * HOUR, uptime: 1, outages: 0 },
    ]);
  });

  it('splits the window by day, labelled in UTC', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor, clock } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } });
    clock.now = T0 - 2 * HOUR;
    await monitor.poll();
    clock.now = T0 + HOUR;
    ollama.control.setFaults([{ kind: 'reset' }]);
    await monitor.poll();
    clock.now = T0 + 3 * HOUR;
    expect(await monitor.uptime({ from: T0 - 4 * HOUR, to: T0 + DAY_MS, period: 'day' })).toEqual([
      { target: 'gpu', period: '2026-11-22', local: true, upMs: 2 * HOUR, downMs: 0, unknownMs: 2 * HOUR, uptime: 1, outages: 0 },
      { target: 'gpu', period: '2026-11-23', local: true, upMs: HOUR, downMs: 2 * HOUR, unknownMs: 0, uptime: 1 / 3, outages: 1 },
    ]);
  });

  it('includes transitions the store has not taken yet, and writes them once it is back', async () => {
    const ollama = await sim(startOllamaSim());
    const real = await newStore();
    let failing = true;
    const store: MonitorStore = {
      appendTargetEvents: (events) => (failing ? Promise.reject(new Error('disk full')) : real.appendTargetEvents(events)),
      targetEvents: (query) => real.targetEvents(query),
    };
    const { monitor, clock } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } }, { store });
    await monitor.poll();
    clock.now = T0 + HOUR;
    expect(await monitor.uptime({ from: T0, to: T0 + HOUR })).toMatchObject([{ target: 'gpu', upMs: HOUR }]);
    expect(await real.targetEvents({ from: 0, to: T0 + DAY_MS })).toEqual([]);
    failing = false;
    await monitor.uptime({ from: T0, to: T0 + HOUR });
    expect(states(await real.targetEvents({ from: 0, to: T0 + DAY_MS }))).toEqual(['gpu:up@0m']);
  });
});

describe('lifecycle', () => {
  it('polls at start and on every tick of monitor.intervalMs, and stops the timer on close', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor, ticks } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } }, { monitor: { intervalMs: 5_000 } });
    await monitor.start(); // the first poll
    expect(ollama.control.stats().byPath['/api/version']).toBe(1);
    expect(ticks.map((tick) => tick.ms)).toEqual([5_000]);
    ticks[0]?.tick();
    await monitor.poll();
    expect(ollama.control.stats().byPath['/api/version']).toBe(2);
    await monitor.close();
    expect(ticks[0]?.stopped).toBe(true);
  });

  it('ends the history of a target a reload removed, and watches the ones it added', async () => {
    const ollama = await sim(startOllamaSim());
    const { monitor, runtime, clock, events } = await harness({ gpu: { type: 'ollama', baseUrl: ollama.url } });
    await monitor.poll();
    runtime.reload(validateConfig({ providers: { box: { type: 'ollama', baseUrl: ollama.url } } }, 'reloaded'));
    clock.now = T0 + MIN;
    await monitor.poll();
    expect(monitor.statuses().map((status) => [status.target, status.state])).toEqual([['box', 'up']]);
    expect(states(await events())).toEqual(['gpu:up@0m', 'gpu:stopped@1m', 'box:up@1m']);
  });
});

const DAY_MS = 24 * HOUR;
