/**
 * Health, readiness, status and uptime end to end: a real gateway over the simulators, its monitor
 * polling them. Polls are triggered by the test (`gateway.monitor.poll()`), never waited for.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { validateConfig, type ConfigInput } from '../config/index.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { createSqliteLedgerStore } from '../ledger/store/sqlite-ledger-store.js';
import { startOllamaSim, type SimServer } from '../sim/index.js';
import { startGateway, type RunningGateway } from './start-gateway.js';
import type { TargetStatus } from '../monitor/monitor-view.js';
import { startStack, type Stack } from '../test-support/stack.js';
import type { Readiness, StatusReport } from './routes/status.js';

/** The stack's `ollama-v1` (an OpenAI-compatible local server) is the OpenAI simulator, which wants its key on /v1/models too. */
const withKeys = (urls: { openai: string }): ConfigInput['providers'] => ({ 'ollama-v1': { type: 'openai-compatible', baseUrl: `${urls.openai}/v1`, apiKey: 'sim-openai-key' } });

const ADMIN_KEY = 'status-e2e-admin-key-0123';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

/** One rule per alias, no retries: each failing request is one failed attempt. */
const routing: ConfigInput['routing'] = {
  defaults: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
  rules: [
    { name: 'anthropic', match: { model: 'cloud-fast' }, targets: ['anthropic/claude-haiku-5-5'] },
    { name: 'openai', match: { model: 'cloud-smart' }, targets: ['openai/gpt-4o'] },
    { name: 'local', match: { model: 'agent' }, targets: ['ollama/llama3.2'] },
  ],
};

async function chat(stack: Stack, model: string): Promise<number> {
  const response = await stack.gateway.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model, max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] },
  });
  return response.statusCode;
}

function stateOf(stack: Stack, target: string): TargetStatus['state'] | undefined {
  return stack.gateway.monitor.statuses().find((status) => status.target === target)?.state;
}

async function ready(stack: Pick<Stack, 'gateway'>): Promise<{ status: number; body: Readiness & { status: string } }> {
  const response = await stack.gateway.app.inject({ method: 'GET', url: '/ready' });
  return { status: response.statusCode, body: response.json() };
}

describe('GET /health and GET /ready', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: (urls) => ({ providers: withKeys(urls), routing, execution: { breaker: { failureThreshold: 1000 } } }) });
  });
  afterAll(() => stack.close());

  it('/health answers 200 while the process serves, whatever the targets', async () => {
    stack.ollama.control.setFaults([{ kind: 'reset' }]);
    await stack.gateway.monitor.poll();
    const response = await fetch(`${stack.gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    stack.ollama.control.clearFaults();
    await stack.gateway.monitor.poll();
  });

  it('/ready is 503 with the reasons when every target is down, 200 again when one is back', async () => {
    await stack.gateway.monitor.poll();
    const before = await ready(stack);
    expect(before.status).toBe(200);
    // The cloud is unknown until traffic says otherwise: optimistic, as at start-up.
    expect(before.body).toEqual({ status: 'ready', ready: true, reasons: [], usableTargets: ['ollama', 'openai', 'anthropic', 'ollama-v1'] });

    // Local hosts stop answering their polls; the clouds fail real requests with 5xx.
    stack.ollama.control.setFaults([{ kind: 'reset' }]);
    stack.openai.control.setFaults([{ kind: 'status', status: 500 }]); // also ollama-v1's /v1/models
    stack.anthropic.control.setFaults([{ kind: 'status', status: 503 }]);
    expect(await chat(stack, 'cloud-fast')).toBeGreaterThanOrEqual(500);
    expect(await chat(stack, 'cloud-smart')).toBeGreaterThanOrEqual(500);
    await stack.gateway.monitor.poll();
    // A record is made once its response has closed: wait for both to be observed.
    await expect.poll(() => [stateOf(stack, 'anthropic'), stateOf(stack, 'openai')]).toEqual(['down', 'down']);

    const down = await ready(stack);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not_ready');
    expect(down.body.usableTargets).toEqual([]);
    expect(down.body.reasons).toHaveLength(1);
    expect(down.body.reasons[0]).toMatch(/^no usable target: ollama: down \(.+\); openai: down \(HTTP 500.*\); anthropic: down \(HTTP 503.*\); ollama-v1: down \(HTTP 500.*\)$/);

    stack.ollama.control.clearFaults();
    await stack.gateway.monitor.poll();
    const back = await ready(stack);
    expect(back.status).toBe(200);
    expect(back.body.usableTargets).toEqual(['ollama']);
  });
});

describe('GET /ready with a failing ledger store', () => {
  const spillFile = join(tmpdir(), `tollgate-status-e2e-${process.pid}.jsonl`);
  let ollama: SimServer;
  let gateway: RunningGateway;
  /** The real store, with appends that fail while `failing` is set (a full disk, a lost database). */
  let failing = false;
  beforeAll(async () => {
    ollama = await startOllamaSim();
    const real = await createSqliteLedgerStore({ path: ':memory:' });
    const store: LedgerStore = {
      kind: real.kind,
      migrate: () => real.migrate(),
      append: (records) => (failing ? Promise.reject(new Error('disk I/O error')) : real.append(records)),
      usage: (query) => real.usage(query),
      records: (query) => real.records(query),
      prunePayloads: (before) => real.prunePayloads(before),
      insertKey: (key) => real.insertKey(key),
      listKeys: () => real.listKeys(),
      findKeyByHash: (hash) => real.findKeyByHash(hash),
      revokeKey: (id, at) => real.revokeKey(id, at),
      appendTargetEvents: (events) => real.appendTargetEvents(events),
      targetEvents: (query) => real.targetEvents(query),
      appendDrill: (drill) => real.appendDrill(drill),
      drills: (query) => real.drills(query),
      close: () => real.close(),
    };
    const config = validateConfig(
      { logging: { level: 'silent' }, ledger: { spillFile, flushIntervalMs: 10 }, monitor: { intervalMs: 3_600_000 }, providers: { ollama: { type: 'ollama', baseUrl: ollama.url } }, models: { agent: 'ollama/llama3.2' } },
      'test',
    );
    gateway = await startGateway({ config, store, port: 0, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    failing = false;
    await gateway.close();
    await ollama.close();
    await rm(spillFile, { force: true });
  });

  it('is 503 while records cannot be written, 200 once they are again', async () => {
    await gateway.monitor.poll();
    expect((await ready({ gateway })).status).toBe(200);
    failing = true;
    const answered = await gateway.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'agent', messages: [{ role: 'user', content: 'Hello' }] } });
    expect(answered.statusCode).toBe(200);
    await expect
      .poll(async () => {
        await gateway.ledger.flush().catch(() => undefined);
        return gateway.ledger.stats.failing;
      })
      .toBe(true);
    const down = await ready({ gateway });
    expect(down.status).toBe(503);
    expect(down.body.usableTargets).toEqual(['ollama']);
    expect(down.body.reasons).toEqual(['the ledger store is failing; 1 record is waiting to be written']);

    failing = false;
    await gateway.ledger.flush();
    expect((await ready({ gateway })).status).toBe(200);
  });
});

describe('GET /api/status and GET /api/uptime', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      ollama: { keepAliveMs: 10 * 60_000 },
      config: (urls) => ({ providers: withKeys(urls), admin: { key: ADMIN_KEY }, routing, execution: { breaker: { failureThreshold: 1 } } }),
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    for (const sim of [stack.ollama, stack.openai, stack.anthropic]) sim.control.clearFaults();
  });
  afterEach(() => stack.gateway.runtime.setMode(undefined));

  const status = async (): Promise<StatusReport> => {
    const response = await stack.gateway.app.inject({ method: 'GET', url: '/api/status', headers: admin });
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  it('need the admin key', async () => {
    for (const url of ['/api/status', '/api/uptime']) {
      expect((await stack.gateway.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect((await stack.gateway.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong-key-0123456789' } })).statusCode).toBe(401);
    }
  });

  it('shows every target with its state, breakers and capacity, the loaded models, the mode and the ledger', async () => {
    expect(await chat(stack, 'agent')).toBe(200); // loads llama3.2 on the simulated host
    stack.anthropic.control.setFaults([{ kind: 'status', status: 500 }]);
    expect(await chat(stack, 'cloud-fast')).toBe(502); // one failure opens its breaker (threshold 1)
    await expect.poll(() => stateOf(stack, 'anthropic')).toBe('down');
    await stack.gateway.monitor.poll();
    stack.gateway.runtime.setMode('local-only');

    const report = await status();
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(report).toMatchObject({
      status: 'degraded',
      version,
      mode: { mode: 'local-only', configured: 'auto', overridden: true },
      ledger: { kind: 'sqlite', failing: false, spilled: 0 },
    });
    expect(Date.parse(report.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(report.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(report.targets.map((target) => target.target)).toEqual(['ollama', 'openai', 'anthropic', 'ollama-v1']);
    const [ollama, openai, anthropic, ollamaV1] = report.targets;
    expect(ollama).toMatchObject({
      kind: 'ollama',
      local: true,
      state: 'up',
      source: 'poll',
      usable: true,
      breakers: { 'ollama/llama3.2': 'closed' },
      capacity: { inFlight: 0, queued: 0, limit: 1, queueLimit: 2 },
      hosts: [{ url: stack.ollama.url, state: 'up', version: '0.12.0' }],
    });
    expect(openai).toMatchObject({ kind: 'openai', local: false, state: 'unknown', usable: true, breakers: {} });
    expect(openai).not.toHaveProperty('capacity');
    expect(anthropic).toMatchObject({
      kind: 'anthropic',
      state: 'down',
      source: 'traffic',
      error: expect.stringContaining('HTTP 500'),
      usable: false,
      breakers: { 'anthropic/claude-haiku-5-5': 'open' },
    });
    expect(ollamaV1).toMatchObject({ kind: 'openai-compatible', local: true, state: 'up', capacity: { limit: 1 } });
    expect(report.loadedModels).toEqual([
      { target: 'ollama', host: stack.ollama.url, name: 'llama3.2:latest', vramBytes: expect.any(Number), expiresAt: expect.any(Number) },
    ]);
    expect(report.loadedModels[0]?.expiresAt).toBeGreaterThan(Date.now());
  });

  it('answers uptime per target over a window, split by day on request', async () => {
    await stack.gateway.monitor.poll();
    const response = await stack.gateway.app.inject({ method: 'GET', url: '/api/uptime?since=1h', headers: admin });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ since: string; until: string; rows: { target: string; upMs: number; uptime: number | null; outages: number; local: boolean }[] }>();
    expect(Date.parse(body.until) - Date.parse(body.since)).toBe(3_600_000);
    const ollama = body.rows.find((row) => row.target === 'ollama');
    expect(ollama).toMatchObject({ local: true, uptime: 1, outages: 0, downMs: 0 });
    expect(ollama?.upMs).toBeGreaterThan(0);
    expect(body.rows.map((row) => row.target)).toContain('ollama-v1');

    const one = await stack.gateway.app.inject({ method: 'GET', url: '/api/uptime?since=2d&target=ollama&period=day', headers: admin });
    const days = one.json<{ rows: { target: string; period: string; uptime: number | null }[] }>().rows;
    const today = new Date().toISOString().slice(0, 10);
    expect(days.every((row) => row.target === 'ollama')).toBe(true);
    expect(days.at(-1)).toMatchObject({ period: today, uptime: 1 });

    const bad = await stack.gateway.app.inject({ method: 'GET', url: '/api/uptime?since=banana', headers: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_request', param: 'since' } });
    const period = await stack.gateway.app.inject({ method: 'GET', url: '/api/uptime?period=fortnight', headers: admin });
    expect(period.statusCode).toBe(400);
  });

  it('counts a target whose every breaker is open as unusable, though its host answers polls', async () => {
    stack.ollama.control.setFaults([{ kind: 'status', status: 500, match: { path: '/api/chat' } }]);
    await chat(stack, 'agent'); // fails on Ollama (the router may still fall back to the cloud): its breaker opens
    await stack.gateway.monitor.poll();
    const ollama = (await status()).targets.find((target) => target.target === 'ollama');
    expect(ollama).toMatchObject({ state: 'up', usable: false, breakers: { 'ollama/llama3.2': 'open' } });
    const { status: code, body } = await ready(stack);
    expect(code).toBe(200);
    expect(body.usableTargets).not.toContain('ollama');
    expect(body.usableTargets).toContain('ollama-v1');
  });
});

describe('an Ollama pool: the calls each host is serving', () => {
  let stack: Stack;
  let second: SimServer;
  beforeAll(async () => {
    second = await startOllamaSim({});
    stack = await startStack({
      config: (urls) => ({
        providers: { ...withKeys(urls), ollama: { type: 'ollama', hosts: [urls.ollama, second.url] } },
        admin: { key: ADMIN_KEY },
        routing,
      }),
    });
  });
  afterAll(async () => {
    await stack.close();
    await second.close();
  });

  it('shows a hanging call on its host in /api/status and /metrics, and nothing once it is gone', async () => {
    // Both hosts hang: whichever the pool picks holds the call until the client leaves.
    for (const sim of [stack.ollama, second]) sim.control.setFaults([{ kind: 'hang', match: { path: '/api/chat' } }]);
    const client = new AbortController();
    const call = fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'Hello' }] }),
      signal: client.signal,
    }).catch(() => undefined);
    const hosts = async () => {
      const response = await stack.gateway.app.inject({ method: 'GET', url: '/api/status', headers: admin });
      const target = response.json<StatusReport>().targets.find((entry) => entry.target === 'ollama');
      return (target?.hosts ?? []).map((host) => ({ url: host.url, inFlight: host.inFlight }));
    };
    await expect.poll(async () => (await hosts()).reduce((sum, host) => sum + (host.inFlight ?? 0), 0)).toBe(1);
    const busy = (await hosts()).find((host) => host.inFlight === 1);
    expect(busy).toBeDefined();

    const metrics = await stack.gateway.app.inject({ method: 'GET', url: '/metrics', headers: admin });
    const line = (host: string) => metrics.body.split('\n').find((text) => text.startsWith('tollgate_host_inflight_requests{') && text.includes(`host="${host}"`));
    expect(line(busy?.url ?? '')).toMatch(/ 1$/);
    const idle = (await hosts()).find((host) => host.url !== busy?.url);
    expect(line(idle?.url ?? '')).toMatch(/ 0$/);

    client.abort();
    await call;
    await expect.poll(async () => (await hosts()).every((host) => host.inFlight === 0)).toBe(true);
  });
});
