/**
 * The trial scorecard over a seeded ledger, through both ways people read it: `tollgate scorecard`
 * (the built CLI, reading the store directly) and `GET /api/scorecard` (a running gateway on the same
 * ledger). Every figure below is worked out by hand from the seed. (`npm run build` first after
 * changing src/: the CLI runs from dist/.)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../ledger/ledger-record.js';
import type { DrillRecord, TargetEvent } from '../../ledger/ledger-store.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import { startStack, type Stack } from '../../test-support/stack.js';
import type { Scorecard } from './score-trial.js';

const bin = fileURLToPath(new URL('../../../bin/tollgate.js', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A 10-day trial that ended 10 days ago: nothing the running gateway does now falls inside it. */
const S = Math.floor(Date.now() / DAY) * DAY - 20 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

let dir: string;
let ledgerFile: string;
let configFile: string;

function record(id: string, ts: number, fields: Partial<LedgerRecord>): LedgerRecord {
  return {
    id,
    ts,
    keyId: null,
    team: null,
    dialect: 'openai',
    endpoint: 'chat',
    stream: false,
    requestedModel: 'kb-analysis',
    task: 'kb-analysis',
    priority: null,
    tier: null,
    rule: 'rules.kb-analysis',
    routeReason: 'task kb-analysis',
    fallbackReason: null,
    attempts: [{ ref: 'ollama/qwen2.5:7b', outcome: 'ok', latencyMs: 500, retry: 0 }],
    provider: 'ollama',
    model: 'qwen2.5:7b',
    local: true,
    cache: null,
    tokens: { inputUncached: 100, cacheRead: 0, cacheWrite: 0, outputText: 50, outputReasoning: 0, estimated: false },
    costUsd: 0.001,
    referenceModel: 'anthropic/claude-sonnet-5-5',
    referenceCostUsd: 0.201,
    savingsUsd: 0.2,
    ttftMs: null,
    latencyMs: 500,
    generationMs: 400,
    outcome: 'ok',
    httpStatus: 200,
    errorCode: null,
    warnings: [],
    ...fields,
  };
}

const cloudFallback = (id: string, ts: number, task: string): LedgerRecord =>
  record(id, ts, {
    task,
    fallbackReason: 'upstream_unreachable',
    attempts: [
      { ref: 'ollama/qwen2.5:7b', outcome: 'error', code: 'upstream_unreachable', latencyMs: 1, retry: 0 },
      { ref: 'anthropic/claude-haiku-5-5', outcome: 'ok', latencyMs: 700, retry: 0 },
    ],
    provider: 'anthropic',
    model: 'claude-haiku-5-5',
    local: false,
    costUsd: 0.01,
    referenceCostUsd: 0.01,
    savingsUsd: 0,
  });

const event = (ts: number, target: string, state: TargetEvent['state'], local = true): TargetEvent => ({
  ts,
  target,
  state,
  local,
  source: state === 'stopped' ? null : 'poll',
  error: state === 'down' ? 'connect ECONNREFUSED' : null,
});

const drill: DrillRecord = {
  id: 'drill_seeded',
  startedAt: S + 3 * DAY,
  endedAt: S + 3 * DAY + 4_000,
  passed: true,
  endedBy: 'client',
  reason: null,
  localTargets: ['ollama'],
  requests: Array.from({ length: 5 }, (_, index) => ({
    requestId: `drill_seeded-${index + 1}`,
    dialect: index % 2 === 0 ? ('openai' as const) : ('anthropic' as const),
    stream: false,
    model: 'kb-analysis',
    status: 200,
    target: 'anthropic/claude-haiku-5-5',
    fallback: 'upstream_unreachable',
    latencyMs: 300,
    passed: true,
    reason: null,
  })),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-scorecard-'));
  ledgerFile = join(dir, 'ledger.db');
  configFile = join(dir, 'tollgate.yaml');
  const store = await openLedgerStore(ledgerFile);
  await store.append([
    // 20 local answers saving $0.20 each: $4.00.
    ...Array.from({ length: 20 }, (_, n) => record(`local-${n}`, S + HOUR + n * 11 * HOUR, {})),
    // 5 real fallbacks answered by the cloud, and 3 drill requests that also fell back (not counted as real ones).
    ...Array.from({ length: 5 }, (_, n) => cloudFallback(`fallback-${n}`, S + 4 * DAY + n * HOUR, 'kb-analysis')),
    ...Array.from({ length: 3 }, (_, n) => cloudFallback(`drill-${n}`, S + 3 * DAY + n * 1000, 'drill')),
    // Before the trial: not counted.
    record('before-1', S - 2 * HOUR, { savingsUsd: 100 }),
    record('before-2', S - DAY, { savingsUsd: 100 }),
  ]);
  await store.appendTargetEvents([
    event(S - HOUR, 'ollama', 'up'), // the state the trial opens in
    event(S + 2 * DAY, 'ollama', 'down'),
    event(S + 2 * DAY + HOUR, 'ollama', 'up'),
    event(S + 9 * DAY, 'ollama', 'stopped'), // the gateway was stopped for the last day
    event(S + HOUR, 'anthropic', 'up', false),
    event(S + 5 * DAY, 'anthropic', 'down', false), // cloud: not part of local uptime
  ]);
  await store.appendDrill(drill);
  await store.close();
  await writeFile(configFile, `ledger: { url: "${ledgerFile}" }\nplanning:\n  trial: { start: "${iso(S)}", days: 10, savingsThresholdUsdPerMonth: 10 }\n`);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const minute = (ms: number) => `${iso(ms).slice(0, 16)}Z`;
const span = `${minute(S)} → ${minute(S + 10 * DAY)}`;

/** The scorecard worked out by hand from the seed. */
function expectHandComputed(card: Scorecard, uptimeSource: string): void {
  expect(card.window).toEqual({ from: iso(S), to: iso(S + 10 * DAY), days: 10, source: 'trial', ongoing: false });
  expect(card).toMatchObject({ verdict: 'phase-2', recommendation: 'proceed to phase 2', criteriaMet: 2, fallbackProven: true });
  expect(card.why).toBe('2 of 3 criteria met (Local quality ≥ 80% of cloud not measured yet).');
  const [uptime, quality, savings, fallback] = card.lines;
  // Up 2 days, down 1 hour, up again until day 9 (215 h up of 216 h observed), then 24 h unobserved.
  expect(uptime).toMatchObject({
    id: 'uptime',
    criterion: 'Local uptime ≥ 99%',
    status: 'pass',
    measured: '99.53%',
    evidence: 'local targets up 8d 23h of 9d 0h observed, down 1h 0m (ollama 99.53%, 1 outage); 1d 0h not observed (before the first poll, or the gateway stopped), not counted',
    source: `${uptimeSource}, ${span}`,
    figures: { upMs: 215 * HOUR, downMs: HOUR, unknownMs: 24 * HOUR, outages: 1, uptime: 215 / 216 },
  });
  expect(quality).toMatchObject({ id: 'quality', status: 'not-measured', measured: 'not measured yet' });
  // $4.00 saved in 10 days: × 30.4375 / 10 = $12.175 a month.
  expect(savings).toMatchObject({
    id: 'savings',
    criterion: 'Savings ≥ $10.00/month',
    status: 'pass',
    measured: '$12.17/month',
    evidence: 'saved $4.00 over 10 days (reference $4.10 − actual $0.10; 20 of 28 requests local) × 30.4375/10 days = $12.17/month',
    source: `ledger hourly/daily rollups (usageReport), ${span}`,
  });
  expect(savings?.figures.monthlySavingsUsd).toBeCloseTo(12.175, 9);
  expect(fallback).toMatchObject({
    id: 'fallback',
    status: 'pass',
    measured: '1 drill passed, 5 fallbacks',
    evidence: `5 requests fell back and were answered by the cloud; 1 of 1 drill passed (latest drill_seeded at ${minute(S + 3 * DAY)}: passed, 5 requests answered by the cloud).`,
  });
}

describe('the trial scorecard over a seeded ledger', () => {
  it('`tollgate scorecard --format json` gives the hand-computed lines and verdict', async () => {
    const { code, stdout, stderr } = await run(['scorecard', '-c', configFile, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expectHandComputed(JSON.parse(stdout) as Scorecard, 'stored up/down transitions (target_events)');
  });

  it('`tollgate scorecard` prints a plain table with the verdict when piped', async () => {
    const { code, stdout } = await run(['scorecard', '-c', configFile, '--trial']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Trial scorecard, ${minute(S)} → ${minute(S + 10 * DAY)} (10 days, planning.trial)`);
    expect(stdout).toMatch(/Local uptime ≥ 99%\s+│ met\s+│ 99\.53%/);
    expect(stdout).toMatch(/Local quality ≥ 80% of\s+│ not measured\s+│ not measured yet/);
    expect(stdout).toContain('Verdict: proceed to phase 2. 2 of 3 criteria met (Local quality ≥ 80% of cloud not measured yet).');
    expect(stdout).not.toContain('\u001b['); // no colour codes in a pipe
  });

  it('`--since` moves the window; a window with nothing in it measures nothing', async () => {
    const { code, stdout } = await run(['scorecard', '-c', configFile, '--since', iso(S + 12 * DAY), '--until', iso(S + 13 * DAY), '--format', 'json']);
    expect(code).toBe(0);
    const card = JSON.parse(stdout) as Scorecard;
    expect(card.window).toMatchObject({ from: iso(S + 12 * DAY), to: iso(S + 13 * DAY), source: 'since' });
    expect(card).toMatchObject({ verdict: 'stay-on-cloud', criteriaMet: 0 });
    expect(card.lines.map((line) => line.status)).toEqual(['not-measured', 'not-measured', 'not-measured', 'not-measured']);
  });

  describe('GET /api/scorecard on a gateway over the same ledger', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({
        config: () => ({
          admin: { key: 'scorecard-e2e-admin-key-0123' },
          ledger: { url: ledgerFile, flushIntervalMs: 10, spillFile: join(dir, 'spill.jsonl') },
          planning: { trial: { start: iso(S), days: 10 } },
        }),
      });
    });
    afterAll(() => stack?.close());

    it('answers the same scorecard, behind the admin key', async () => {
      expect((await fetch(`${stack.gateway.url}/api/scorecard`)).status).toBe(401);
      const response = await fetch(`${stack.gateway.url}/api/scorecard`, { headers: { authorization: 'Bearer scorecard-e2e-admin-key-0123' } });
      expect(response.status).toBe(200);
      expectHandComputed((await response.json()) as Scorecard, 'target monitor (stored up/down transitions)');
    });

    it('takes ?since= and refuses a bad one', async () => {
      const headers = { authorization: 'Bearer scorecard-e2e-admin-key-0123' };
      const response = await fetch(`${stack.gateway.url}/api/scorecard?since=${iso(S + DAY)}&until=${iso(S + 2 * DAY)}`, { headers });
      expect(((await response.json()) as Scorecard).window).toMatchObject({ from: iso(S + DAY), to: iso(S + 2 * DAY), source: 'since' });
      const bad = await fetch(`${stack.gateway.url}/api/scorecard?since=yesterday-ish`, { headers });
      expect(bad.status).toBe(400);
    });
  });
});
