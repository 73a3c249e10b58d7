/**
 * The fallback drill end to end: a real gateway over the simulators, the drill's client
 * (`runDrill`, what `tollgate drill` runs) sending real requests in both dialects through it.
 * Local targets fail only during the drill, the cloud answers, the result is stored; with the
 * cloud down too the drill fails and says why; a drill nobody ends is ended by the gateway.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDrill } from '../planning/scorecard/run-drill.js';
import { startStack, type Stack } from '../test-support/stack.js';
import { DrillMode, type DrillTimers } from './drill-mode.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => {
  for (const sim of [stack.ollama, stack.openai, stack.anthropic]) {
    sim.control.clearFaults();
    sim.control.resetStats();
  }
});

const LOCAL_PROVIDERS = ['ollama', 'ollama-v1'];
const bin = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));

/** The built CLI (`npm run build` after changing src/), as a user runs it. */
function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** One chat request as any client sends it; which target answered. */
async function ask(model = 'kb-analysis'): Promise<{ status: number; target: string | null; fallback: string | null }> {
  const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Is local back?' }] }),
  });
  await response.text();
  return { status: response.status, target: response.headers.get('x-tollgate-target'), fallback: response.headers.get('x-tollgate-fallback') };
}

describe('tollgate drill against a running gateway', () => {
  it('makes local targets fail for the drill only; every request is answered by the cloud; the drill passes and is recorded', async () => {
    expect((await ask()).target).toBe('ollama/qwen2.5:7b');
    stack.ollama.control.resetStats();

    const outcome = await runDrill({ url: stack.gateway.url, requests: 6, maxDurationMs: 30_000 });

    expect(outcome.error).toBeUndefined();
    expect(outcome.drill.localTargets).toEqual(LOCAL_PROVIDERS);
    // Every alias whose route starts locally, with the cloud after it; not `embed` (an embedding model).
    expect(outcome.drill.routes.map((route) => route.model)).toEqual(['kb-analysis', 'agent']);
    expect(outcome.drill.routes[0]?.targets).toEqual([
      { ref: 'ollama/qwen2.5:7b', local: true },
      { ref: 'anthropic/claude-haiku-5-5', local: false },
      { ref: 'openai/gpt-4o-mini', local: false },
    ]);
    expect(outcome.requests.map((request) => [request.dialect, request.stream, request.model])).toEqual([
      ['openai', false, 'kb-analysis'],
      ['anthropic', false, 'agent'],
      ['openai', true, 'kb-analysis'],
      ['anthropic', true, 'agent'],
      // After four requests the aliases shift by one: each meets both dialects.
      ['openai', false, 'agent'],
      ['anthropic', false, 'kb-analysis'],
    ]);
    for (const request of outcome.requests) {
      expect(request).toMatchObject({ status: 200, target: 'anthropic/claude-haiku-5-5', fallback: 'upstream_unreachable', passed: true, reason: null });
    }
    expect(outcome.record).toMatchObject({ id: outcome.drill.id, passed: true, endedBy: 'client', reason: null, localTargets: LOCAL_PROVIDERS });
    // The local host was up all along: the drill failed the gateway's connections, not the host.
    expect(stack.ollama.control.stats().byPath['/api/chat'] ?? 0).toBe(0);

    // Stored, with each request.
    const stored = await stack.gateway.ledger.store.drills({ from: outcome.drill.startedAt, to: Date.now() + 1 });
    expect(stored).toEqual([outcome.record]);
    expect(stored[0]?.requests).toHaveLength(6);

    // Drill requests are ordinary ledger records, told apart by their task: the local target was tried first and refused.
    await stack.gateway.ledger.flush();
    const records = (await stack.gateway.ledger.store.records({ since: outcome.drill.startedAt, limit: 100 })).filter((record) => record.task === 'drill');
    expect(records.map((record) => record.id).sort()).toEqual(outcome.requests.map((request) => request.requestId).sort());
    for (const record of records) {
      expect(record).toMatchObject({ outcome: 'ok', provider: 'anthropic', local: false, fallbackReason: 'upstream_unreachable' });
      expect(record.attempts[0]).toMatchObject({ outcome: 'error', code: 'upstream_unreachable' });
      expect(record.attempts[0]?.ref.startsWith('ollama/')).toBe(true);
      expect(record.attempts.at(-1)).toMatchObject({ ref: 'anthropic/claude-haiku-5-5', outcome: 'ok' });
    }

    // Over: local answers again, on the snapshot from before the drill.
    expect(stack.gateway.runtime.drilling).toBe(false);
    expect(await ask()).toMatchObject({ status: 200, target: 'ollama/qwen2.5:7b', fallback: null });
  });

  it('fails, and says why, when the cloud is down too', async () => {
    stack.anthropic.control.setFaults([{ kind: 'status', status: 529 }]);
    stack.openai.control.setFaults([{ kind: 'status', status: 500 }]);

    const outcome = await runDrill({ url: stack.gateway.url, requests: 2, maxDurationMs: 30_000 });

    expect(outcome.requests).toHaveLength(2);
    for (const request of outcome.requests) {
      expect(request.passed).toBe(false);
      expect(request.status).toBeGreaterThanOrEqual(500);
      expect(request.reason).toMatch(/^HTTP 5\d\d: .*\(the cloud did not answer either\)$/);
    }
    expect(outcome.record).toMatchObject({ passed: false, endedBy: 'client' });
    expect(outcome.record?.reason).toMatch(/^2 of 2 requests not answered by the cloud after a local failure; first: drill_\w+-1: HTTP 5\d\d/);
    const stored = await stack.gateway.ledger.store.drills({ from: outcome.drill.startedAt, to: Date.now() + 1 });
    expect(stored.map((drill) => [drill.id, drill.passed])).toEqual([[outcome.drill.id, false]]);

    // Local targets are restored whatever the outcome.
    stack.anthropic.control.clearFaults();
    stack.openai.control.clearFaults();
    expect((await ask()).target).toBe('ollama/qwen2.5:7b');
  });

  it('the monitor keeps polling the real hosts: a drill is not an outage in uptime', async () => {
    const started = await fetch(`${stack.gateway.url}/admin/drill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"maxDurationMs":30000}' });
    expect(started.status).toBe(201);
    const drill = (await started.json()) as { id: string };
    try {
      // A second drill is refused while one runs.
      const again = await fetch(`${stack.gateway.url}/admin/drill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(again.status).toBe(409);
      expect(await fetch(`${stack.gateway.url}/admin/drill`).then((response) => response.json())).toMatchObject({ active: { id: drill.id } });
      await stack.gateway.monitor.poll();
      expect(stack.gateway.monitor.statuses().find((status) => status.target === 'ollama')?.state).toBe('up');
      expect(await ask('agent')).toMatchObject({ target: 'anthropic/claude-haiku-5-5', fallback: 'upstream_unreachable' });
    } finally {
      const ended = await fetch(`${stack.gateway.url}/admin/drill/${drill.id}/end`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"requests":[]}' });
      expect(ended.status).toBe(200);
      // Nothing was reported: recorded, but not as a pass.
      expect(await ended.json()).toMatchObject({ id: drill.id, passed: false, reason: 'no request was sent during the drill.' });
    }
    expect((await ask('agent')).target).toBe('ollama/llama3.2');
  });

  it('is ended by the gateway itself after its max duration when the client never ends it', async () => {
    let fire: (() => void) | undefined;
    let armedFor: number | undefined;
    const timers: DrillTimers = {
      after(ms, callback) {
        armedFor = ms;
        fire = callback;
        return () => {
          fire = undefined;
        };
      },
    };
    let now = Date.UTC(2026, 10, 25, 12);
    const drills = new DrillMode({ runtime: stack.gateway.runtime, store: stack.gateway.ledger.store, logger: pino({ level: 'silent' }), timers, now: () => now, newId: () => 'drill_abandoned' });

    const drill = await drills.start({ maxDurationMs: 45_000 });
    expect(armedFor).toBe(45_000);
    expect(drill).toMatchObject({ id: 'drill_abandoned', endsAt: now + 45_000, task: 'drill' });
    expect(stack.gateway.runtime.drilling).toBe(true);
    expect((await ask()).target).toBe('anthropic/claude-haiku-5-5');

    // The client died; the clock reaches the max duration.
    now += 45_000;
    fire!();
    expect(stack.gateway.runtime.drilling).toBe(false);
    expect(drills.active).toBeUndefined();
    expect((await ask()).target).toBe('ollama/qwen2.5:7b');
    await expect.poll(() => stack.gateway.ledger.store.drills({ from: now - 45_000, to: now + 1 })).toEqual([
      {
        id: 'drill_abandoned',
        startedAt: now - 45_000,
        endedAt: now,
        passed: false,
        endedBy: 'timeout',
        reason: 'ended by the gateway after its max duration of 45 s: the client never reported its results.',
        localTargets: LOCAL_PROVIDERS,
        requests: [],
      },
    ]);
    // A client that comes back late learns what happened.
    await expect(drills.end('drill_abandoned', [])).rejects.toThrow(/already ended \(timeout\).*recorded as failed/);
  });

  it('`tollgate drill` (the built CLI) prints each request and exits 0 when the drill passed, 1 when it failed', async () => {
    const passed = await runCli(['drill', '--url', stack.gateway.url, '--requests', '2']);
    expect(passed.code).toBe(0);
    expect(passed.output).toMatch(/^Drill drill_\w+: local targets ollama, ollama-v1 refuse connections until it ends/);
    expect(passed.output).toMatch(/│ 1 +│ openai +│ kb-analysis +│ anthropic\/claude-haiku-5-5 +│ upstream_unreachable +│ +\d+ +│ ok +│/);
    expect(passed.output).toMatch(/│ 2 +│ anthropic +│ agent +│ anthropic\/claude-haiku-5-5 +│ upstream_unreachable +│ +\d+ +│ ok +│/);
    expect(passed.output).toMatch(/Drill drill_\w+ passed: 2 of 2 requests answered by the cloud after the local target failed\. Local targets restored; result recorded\./);

    stack.anthropic.control.setFaults([{ kind: 'status', status: 529 }]);
    stack.openai.control.setFaults([{ kind: 'status', status: 529 }]);
    const failed = await runCli(['drill', '--url', stack.gateway.url, '--requests', '1']);
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/Drill drill_\w+ FAILED: 1 of 1 requests not answered by the cloud after a local failure/);
    expect(stack.gateway.runtime.drilling).toBe(false);
  });

  it('refuses to start when routing would not try local first (kill switch on)', async () => {
    stack.gateway.runtime.setMode('cloud-only');
    try {
      const response = await fetch(`${stack.gateway.url}/admin/drill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/routing mode is cloud-only/);
      expect(stack.gateway.runtime.drilling).toBe(false);
    } finally {
      stack.gateway.runtime.setMode(undefined);
    }
  });
});
