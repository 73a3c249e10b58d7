import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { validateConfig, type ConfigInput } from '../config/index.js';
import type { DrillRecord } from '../ledger/ledger-store.js';
import { DrillMode, redirectLocalProviders, type DrillModeOptions, type DrillTimers } from './drill-mode.js';
import { GatewayRuntime } from './gateway-runtime.js';

const CLOSED = 'http://127.0.0.1:9';

/** Hosts are loopback addresses nothing listens on: a background host-state refresh fails at once (a made-up hostname waits on DNS). */
function config(input: Partial<ConfigInput> = {}) {
  return validateConfig(
    {
      logging: { level: 'silent' },
      providers: {
        ollama: { type: 'ollama', baseUrl: 'http://127.0.0.2:11434' },
        pool: { type: 'ollama', hosts: ['http://127.0.0.3:11434', 'http://127.0.0.4:11434'] },
        vllm: { type: 'openai-compatible', baseUrl: 'http://127.0.0.5:8000/v1' },
        anthropic: { type: 'anthropic', apiKey: 'k' },
      },
      models: { 'kb-analysis': 'ollama/qwen2.5:7b', agent: 'pool/llama3.2', cloud: 'anthropic/claude-haiku-5-5' },
      ...input,
    },
    'test',
  );
}

function harness(input: Partial<ConfigInput> = {}, modelSpecs?: DrillModeOptions['modelSpecs']) {
  const runtime = new GatewayRuntime(config(input));
  const stored: DrillRecord[] = [];
  let fire: (() => void) | undefined;
  const timers: DrillTimers = {
    after: (_ms, callback) => {
      fire = callback;
      return () => (fire = undefined);
    },
  };
  let now = 1_000;
  const drills = new DrillMode({
    runtime,
    store: { appendDrill: async (drill) => void stored.push(drill) },
    logger: pino({ level: 'silent' }),
    timers,
    now: () => now,
    closedUrl: async () => CLOSED,
    newId: () => `drill_${stored.length + 1}`,
    ...(modelSpecs ? { modelSpecs } : {}),
  });
  return { runtime, drills, stored, fire: () => fire?.(), tick: (ms: number) => (now += ms) };
}

describe('redirectLocalProviders', () => {
  it('points every local provider at the closed port, keeps a pool its size, leaves the cloud alone', () => {
    const providers = redirectLocalProviders(config(), CLOSED);
    expect(providers.ollama).toMatchObject({ type: 'ollama', baseUrl: CLOSED });
    expect(providers.pool).toMatchObject({ type: 'ollama', hosts: [`${CLOSED}/drill-host-0`, `${CLOSED}/drill-host-1`] });
    expect(providers.vllm).toMatchObject({ type: 'openai-compatible', baseUrl: `${CLOSED}/v1` });
    expect(providers.anthropic).toEqual(config().providers.anthropic);
  });

  it('follows routing.local', () => {
    const providers = redirectLocalProviders(config({ routing: { local: ['ollama'] } }), CLOSED);
    expect(providers.ollama).toMatchObject({ baseUrl: CLOSED });
    expect(providers.vllm).toMatchObject({ baseUrl: 'http://127.0.0.5:8000/v1' });
  });
});

describe('DrillMode', () => {
  it('switches the runtime to the drill snapshot and back to the very snapshot from before', async () => {
    const { runtime, drills } = harness();
    const before = runtime.snapshot;
    const drill = await drills.start({ maxDurationMs: 5_000 });
    expect(drill).toMatchObject({ id: 'drill_1', startedAt: 1_000, endsAt: 6_000, localTargets: ['ollama', 'pool', 'vllm'], task: 'drill' });
    expect(drill.routes.map((route) => route.model)).toEqual(['kb-analysis', 'agent']);
    expect(runtime.drilling).toBe(true);
    // Same config (the monitor polls the real hosts), other providers and executor.
    expect(runtime.snapshot.config).toBe(before.config);
    expect(runtime.snapshot.registry).not.toBe(before.registry);
    expect(runtime.snapshot.executor).not.toBe(before.executor);
    await drills.end('drill_1', []);
    expect(runtime.snapshot).toBe(before);
    await runtime.close();
  });

  it('sends no chat request to an alias of an embedding model (config/model-specs.yaml says which)', async () => {
    const models = { 'kb-analysis': 'ollama/qwen2.5:7b', embed: 'ollama/nomic-embed-text', 'embed-v15': 'pool/nomic-embed-text:v1.5' };
    const { runtime, drills } = harness({ models });
    const drill = await drills.start();
    expect(drill.routes.map((route) => route.model)).toEqual(['kb-analysis']);
    await drills.end(drill.id, []);
    await runtime.close();

    // Without the catalogue the drill still runs, and cannot tell the embedding aliases apart.
    const unread = harness({ models }, async () => Promise.reject(new Error('ENOENT')));
    const blind = await unread.drills.start();
    expect(blind.routes.map((route) => route.model)).toEqual(['kb-analysis', 'embed', 'embed-v15']);
    await unread.drills.end(blind.id, []);
    await unread.runtime.close();
  });

  it('survives a config reload, like the kill switch', async () => {
    const { runtime, drills } = harness();
    await drills.start();
    const next = config({ models: { agent: 'pool/llama3.2' } });
    runtime.reload(next);
    expect(runtime.drilling).toBe(true);
    expect(runtime.snapshot.config).toBe(next);
    await drills.end(drills.active!.id, []);
    expect(runtime.drilling).toBe(false);
    expect(runtime.snapshot.config).toBe(next);
    await runtime.close();
  });

  it('refuses a second drill, a duration past the cap, and a config with nothing local', async () => {
    const { runtime, drills } = harness();
    await expect(drills.start({ maxDurationMs: 3_600_000 })).rejects.toMatchObject({ status: 400, param: 'maxDurationMs' });
    await drills.start();
    await expect(drills.start()).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/^Drill drill_1 is running until/) });
    await drills.close();
    await runtime.close();

    // Two starts at once: the second is refused while the first still reads the catalogue.
    const racing = harness();
    const [first, second] = await Promise.allSettled([racing.drills.start(), racing.drills.start()]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { id: 'drill_1' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { status: 409, message: 'A drill is starting.' } });
    await racing.drills.close();
    await racing.runtime.close();

    const cloudOnly = harness({ providers: { anthropic: { type: 'anthropic', apiKey: 'k' } }, models: {} });
    await expect(cloudOnly.drills.start()).rejects.toMatchObject({ status: 400, message: 'No local provider is configured: there is nothing to drill.' });
    expect(cloudOnly.runtime.drilling).toBe(false);
    await cloudOnly.runtime.close();
  });

  it('records a drill cut short by shutdown, and one ended by its timer, as failed', async () => {
    const { runtime, drills, stored, fire, tick } = harness();
    await drills.start({ maxDurationMs: 10_000 });
    tick(2_000);
    await drills.close();
    expect(runtime.drilling).toBe(false);
    expect(stored[0]).toMatchObject({ id: 'drill_1', endedAt: 3_000, passed: false, endedBy: 'shutdown', reason: 'the gateway shut down during the drill.' });

    await drills.start({ maxDurationMs: 10_000 });
    tick(10_000);
    fire();
    await expect.poll(() => stored.length).toBe(2);
    expect(stored[1]).toMatchObject({ id: 'drill_2', passed: false, endedBy: 'timeout' });
    expect(runtime.drilling).toBe(false);
    await runtime.close();
  });

  it('passes only when every reported request passed', async () => {
    const { drills, runtime } = harness();
    const request = { requestId: 'r1', dialect: 'openai' as const, stream: false, model: 'kb-analysis', status: 200, target: 'anthropic/claude-haiku-5-5', fallback: 'upstream_unreachable', latencyMs: 10, passed: true, reason: null };
    await drills.start();
    expect(await drills.end('drill_1', [request])).toMatchObject({ passed: true, reason: null, endedBy: 'client' });
    await drills.start();
    const failed = await drills.end('drill_2', [request, { ...request, requestId: 'r2', passed: false, reason: 'HTTP 503: upstream_overloaded' }]);
    expect(failed).toMatchObject({ passed: false, reason: '1 of 2 requests not answered by the cloud after a local failure; first: r2: HTTP 503: upstream_overloaded' });
    await expect(drills.end('drill_9', [])).rejects.toThrow('No drill drill_9 is running.');
    await runtime.close();
  });
});
