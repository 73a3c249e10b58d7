/**
 * The dashboard's document against a real (SQLite, in-memory) store seeded with a handful of
 * records whose every figure can be worked out by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetState } from '../../auth/budget-guard.js';
import type { LedgerRecord } from '../../ledger/ledger-record.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import type { MonitorView, UptimeQuery, UptimeRow } from '../../monitor/monitor-view.js';
import { dashboardData, type DashboardData } from './dashboard-data.js';
import { ledgerRecord } from '../../ledger/testing/ledger-record-fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-15T12:30:00Z');
const MONTH_START = Date.parse('2026-03-01T00:00:00Z');
const WINDOW_START = Date.parse('2026-02-14T00:00:00Z');

let n = 0;
function record(ts: string, fields: Partial<LedgerRecord>): LedgerRecord {
  return ledgerRecord({ id: `r${++n}`, ts: Date.parse(ts), requestedModel: 'agent', costUsd: 0, referenceModel: 'anthropic/claude-haiku-5-5', referenceCostUsd: 0, savingsUsd: 0, ...fields });
}

const tokens = (input: number, output: number) => ({ inputUncached: input, cacheRead: 0, cacheWrite: 0, outputText: output, outputReasoning: 0, estimated: false });
const haiku = { provider: 'anthropic', model: 'claude-haiku-5-5', local: false } as const;

const RECORDS: LedgerRecord[] = [
  // Today, local, streamed.
  record('2026-03-15T10:00:00Z', { task: 'kb', tier: 'L2', tokens: tokens(1000, 200), costUsd: 0.01, referenceCostUsd: 0.5, savingsUsd: 0.49, latencyMs: 1000, ttftMs: 200, generationMs: 800 }),
  // Today, answered by the cloud after the local target failed: a fallback.
  record('2026-03-15T11:00:00Z', { ...haiku, task: 'kb', tier: 'L1', fallbackReason: 'first token timeout', tokens: tokens(2000, 400), costUsd: 0.3, referenceCostUsd: 0.3, savingsUsd: 0, latencyMs: 3000, ttftMs: 500 }),
  // Yesterday, 25.5 hours before now: in the 30 days, not in the last 24 hours, not today.
  record('2026-03-14T11:00:00Z', { task: 'kb', tier: 'L2', tokens: tokens(100, 50), latencyMs: 3000 }),
  // Earlier this month.
  record('2026-03-02T09:00:00Z', { model: 'qwen2.5:7b', task: 'summary', tokens: tokens(3000, 1000), costUsd: 0.02, referenceCostUsd: 1.02, savingsUsd: 1, latencyMs: 2000 }),
  record('2026-03-02T09:30:00Z', { provider: 'openai', model: 'gpt-4o', local: false, outcome: 'error', httpStatus: 503, costUsd: null, referenceCostUsd: null, savingsUsd: null, latencyMs: 100 }),
  // Last month, inside the 30-day window.
  record('2026-02-20T08:00:00Z', { task: 'kb', tier: 'L2', costUsd: 0.05, referenceCostUsd: 2.05, savingsUsd: 2, latencyMs: 1500 }),
  // Before the window: only the start of the cumulative savings.
  record('2026-01-10T08:00:00Z', { task: 'kb', costUsd: 0.1, referenceCostUsd: 10.1, savingsUsd: 10, latencyMs: 900 }),
];

const UPTIME: UptimeRow[] = [
  { target: 'ollama', local: true, upMs: 990 * HOUR, downMs: 10 * HOUR, unknownMs: 0, uptime: 0.99, outages: 2 },
  { target: 'gpu2', local: true, upMs: 1000 * HOUR, downMs: 0, unknownMs: 20 * HOUR, uptime: 1, outages: 0 },
  { target: 'anthropic', local: false, upMs: 500 * HOUR, downMs: 500 * HOUR, unknownMs: 0, uptime: 0.5, outages: 9 },
];

const BUDGET: BudgetState = {
  scope: 'team',
  id: 'search',
  name: 'search',
  period: 'month',
  periodStart: MONTH_START,
  resetsAt: Date.parse('2026-04-01T00:00:00Z'),
  limitUsd: 2,
  spentUsd: 0.5,
  mode: 'hard',
  exceeded: false,
};

let store: LedgerStore;
let data: DashboardData;
const uptimeQueries: UptimeQuery[] = [];

beforeAll(async () => {
  store = await openLedgerStore(':memory:');
  await store.append(RECORDS);
  const monitor: Pick<MonitorView, 'statuses' | 'uptime'> = {
    statuses: () => [{ target: 'ollama', kind: 'ollama', local: true, state: 'up' }],
    uptime: async (query) => {
      uptimeQueries.push(query);
      return UPTIME;
    },
  };
  data = await dashboardData({ store, now: NOW, monthlyAmortizationUsd: 1200 / 36, gpuPriceUsd: 1200, budgets: [BUDGET], monitor });
});
afterAll(() => store.close());

describe('dashboardData', () => {
  it('headline figures: today, this month, shares, fallbacks, uptime', () => {
    const elapsed = (NOW - MONTH_START) / (31 * DAY);
    const h = data.headline;
    expect(data.today).toBe('2026-03-15');
    expect(data.month).toBe('2026-03');
    expect(h.spendTodayUsd).toBeCloseTo(0.31, 12);
    expect(h.spendMonthUsd).toBeCloseTo(0.33, 12);
    expect(h.cloudSpendMonthUsd).toBeCloseTo(0.3, 12);
    expect(h.localSpendMonthUsd).toBeCloseTo(0.03, 12);
    expect(h.costUnknownMonth).toBe(1);
    expect(h.savingsMonthUsd).toBeCloseTo(1.49, 12);
    expect(h.projectedSavingsMonthUsd).toBeCloseTo(1.49 / elapsed, 9);
    expect(h.hardwareAmortizationMonthUsd).toBeCloseTo(100 / 3, 12);
    expect(h.projectedNetSavingsMonthUsd).toBeCloseTo(1.49 / elapsed - 100 / 3, 9);
    expect(h.requestsToday).toBe(2);
    expect(h.requestsMonth).toBe(5);
    expect(h.localRequestsMonth).toBe(3);
    expect(h.localRequestShare).toBe(0.6);
    // Local: 1,200 + 150 + 4,000 tokens; cloud: 2,400.
    expect(h.localTokenShare).toBe(5350 / 7750);
    expect(h.fallbacksToday).toBe(1);
    // Local targets only, weighted by observed time: (990 + 1000) / (1000 + 1000).
    expect(h.localUptime).toBe(0.995);
    expect(h.uptimeGoal).toBe(0.99);
    expect(uptimeQueries).toEqual([{ from: NOW - 30 * DAY, to: NOW }]);
  });

  it('per-day series over 30 days and the cumulative savings since the ledger began', () => {
    const { series } = data;
    expect(series.days).toHaveLength(30);
    expect(series.days[0]).toBe('2026-02-14');
    expect(series.days[29]).toBe('2026-03-15');
    const at = (day: string) => series.days.indexOf(day);
    const nonZero = (values: readonly number[]) => Object.fromEntries(values.flatMap((value, i) => (value !== 0 ? [[series.days[i], value]] : [])));
    expect(nonZero(series.localSpendUsd)).toEqual({ '2026-02-20': 0.05, '2026-03-02': 0.02, '2026-03-15': 0.01 });
    expect(nonZero(series.cloudSpendUsd)).toEqual({ '2026-03-15': 0.3 });
    expect(nonZero(series.requests)).toEqual({ '2026-02-20': 1, '2026-03-02': 2, '2026-03-14': 1, '2026-03-15': 2 });
    expect(nonZero(series.localRequests)).toEqual({ '2026-02-20': 1, '2026-03-02': 1, '2026-03-14': 1, '2026-03-15': 1 });
    expect(nonZero(series.fallbacks)).toEqual({ '2026-03-15': 1 });
    expect(series.cumulativeSavingsUsd[0]).toBe(10);
    expect(series.cumulativeSavingsUsd[at('2026-02-19')]).toBe(10);
    expect(series.cumulativeSavingsUsd[at('2026-02-20')]).toBe(12);
    expect(series.cumulativeSavingsUsd[at('2026-03-02')]).toBe(13);
    expect(series.cumulativeSavingsUsd[29]).toBeCloseTo(13.49, 12);
  });

  it('payback: not reached; projected at the window’s pace', () => {
    const pace = 3.49 / ((NOW - WINDOW_START) / DAY);
    const { payback } = data.series;
    expect(payback.gpuPriceUsd).toBe(1200);
    expect(payback.savedUsd).toBeCloseTo(13.49, 12);
    expect(payback.reachedOn).toBeNull();
    expect(payback.dailyPaceUsd).toBeCloseTo(pace, 12);
    const days = Math.ceil((1200 - 13.49) / pace);
    expect(payback.projectedOn).toBe(new Date(Date.parse('2026-03-15T00:00:00Z') + days * DAY).toISOString().slice(0, 10));
  });

  it('payback reached: the first day cumulative savings met the price', async () => {
    const reached = await dashboardData({ store, now: NOW, monthlyAmortizationUsd: 0, gpuPriceUsd: 12, budgets: [] });
    expect(reached.series.payback).toMatchObject({ gpuPriceUsd: 12, reachedOn: '2026-02-20', projectedOn: null });
    const noPrice = await dashboardData({ store, now: NOW, monthlyAmortizationUsd: 0, gpuPriceUsd: null, budgets: [] });
    expect(noPrice.series.payback).toMatchObject({ gpuPriceUsd: null, reachedOn: null, projectedOn: null });
  });

  it('routing split by task and by tier over the window', () => {
    const row = (name: string | null, requests: number, localRequests: number, fallbacks: number) => expect.objectContaining({ name, requests, localRequests, cloudRequests: requests - localRequests, fallbacks });
    expect(data.routing.since).toBe('2026-02-14T00:00:00.000Z');
    expect(data.routing.byTask).toEqual([row('kb', 4, 3, 1), row('summary', 1, 1, 0), row(null, 1, 0, 0)]);
    expect(data.routing.byTier).toEqual([row('L2', 3, 3, 0), row(null, 2, 1, 0), row('L1', 1, 0, 1)]);
    expect(data.routing.byTask[0]!.costUsd).toBeCloseTo(0.36, 12);
    expect(data.routing.byTask[0]!.savingsUsd).toBeCloseTo(2.49, 12);
  });

  it('latency per target: percentiles and means from the rollups, last 24 hours and the window', () => {
    const targets = data.latency.targets;
    expect(data.latency.percentileCeilingMs).toBe(630_000);
    expect(targets.map((row) => row.target)).toEqual(['ollama/llama3.2', 'ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5', 'openai/gpt-4o']);
    // Latencies 1,000 (today), 3,000 (yesterday), 1,500 ms: buckets (630, 1000], (1000, 1600], (2500, 4000].
    // p50 is rank 1.5, half way through (1000, 1600]; p95 rank 2.85, 85% through (2500, 4000].
    // The one TTFT, 200 ms, is all of (160, 250]: p50 half way, p95 95% of the way.
    expect(targets[0]).toEqual({
      target: 'ollama/llama3.2',
      local: true,
      last24h: {
        requests: 1,
        errors: 0,
        fallbacks: 0,
        latencyMsP50: 630 + 370 * 0.5,
        latencyMsP95: 630 + 370 * 0.95,
        ttftMsP50: 160 + 90 * 0.5,
        ttftMsP95: 160 + 90 * 0.95,
        latencyMsAvg: 1000,
        ttftMsAvg: 200,
        tokensPerSecond: 250,
      },
      window: {
        requests: 3,
        errors: 0,
        fallbacks: 0,
        latencyMsP50: 1300,
        latencyMsP95: expect.closeTo(2500 + 1500 * 0.85, 9),
        ttftMsP50: 160 + 90 * 0.5,
        ttftMsP95: 160 + 90 * 0.95,
        latencyMsAvg: 5500 / 3,
        ttftMsAvg: 200,
        tokensPerSecond: 250,
      },
    });
    expect(targets[1]!.last24h).toEqual({
      requests: 0,
      errors: 0,
      fallbacks: 0,
      latencyMsP50: null,
      latencyMsP95: null,
      ttftMsP50: null,
      ttftMsP95: null,
      latencyMsAvg: null,
      ttftMsAvg: null,
      tokensPerSecond: null,
    });
    expect(targets[1]!.window).toMatchObject({ requests: 1, latencyMsAvg: 2000, latencyMsP50: 1600 + 900 * 0.5, ttftMsAvg: null, ttftMsP50: null });
    expect(targets[2]!.window).toMatchObject({ requests: 1, fallbacks: 1, latencyMsAvg: 3000, latencyMsP50: 3250, latencyMsP95: 3925, ttftMsAvg: 500, ttftMsP50: 515 });
    // Its one request failed: a mean latency, but no answered request to take a percentile of.
    expect(targets[3]!.window).toMatchObject({ requests: 1, errors: 1, latencyMsAvg: 100, latencyMsP50: null, latencyMsP95: null });
  });

  it('latency percentiles count answered requests only and interpolate inside their bucket; TTFT counts every stream', async () => {
    const ledger = await openLedgerStore(':memory:');
    try {
      const today = (minute: number, fields: Partial<LedgerRecord>) => record(new Date(NOW - (minute + 1) * 60_000).toISOString(), fields);
      await ledger.append([
        // Ten answered: six in (100, 160], four in (160, 250]; four of them streamed.
        ...[110, 120, 130, 140, 150, 160, 170, 180, 190, 200].map((latencyMs, i) => today(i, { latencyMs, ttftMs: i < 2 ? 30 : i === 9 ? 700 : null })),
        // Failed fast, or waited for by nobody: not in the latency percentiles.
        ...[1, 2, 3].map((i) => today(20 + i, { outcome: 'error', httpStatus: 503, latencyMs: 5 })),
        today(30, { outcome: 'client_aborted', latencyMs: 60_000 }),
        // A stream that broke after its first token: its TTFT counts.
        today(31, { outcome: 'partial', latencyMs: 9_000, ttftMs: 45 }),
        // Ten days ago, past the histograms' last bound.
        record('2026-03-05T12:00:00Z', { latencyMs: 700_000 }),
      ]);
      const { latency } = await dashboardData({ store: ledger, now: NOW, monthlyAmortizationUsd: 0, gpuPriceUsd: null, budgets: [] });
      const [row] = latency.targets;
      expect(row?.last24h).toMatchObject({
        requests: 15,
        // Rank 5 of 10: 5/6 through the six in (100, 160]. Rank 9.5: 3.5/4 through (160, 250].
        latencyMsP50: 100 + 60 * (5 / 6),
        latencyMsP95: 160 + 90 * (3.5 / 4),
        // TTFTs 30, 30, 45, 700: rank 2 ends (25, 40]; rank 3.8 is 80% through (630, 1000].
        ttftMsP50: 40,
        ttftMsP95: 630 + 370 * 0.8,
      });
      // Eleven answered over 30 days: rank 5.5 is 5.5/6 through (100, 160]; rank 10.45 is the 700 s one, a floor.
      expect(row?.window).toMatchObject({ requests: 16, latencyMsP50: 155, latencyMsP95: 630_000 });
    } finally {
      await ledger.close();
    }
  });

  it('uptime, budgets and the panels still to come', () => {
    expect(data.uptime).toEqual({ goal: 0.99, windowDays: 30, measured: true, local: 0.995, targets: UPTIME, statuses: [expect.objectContaining({ target: 'ollama', state: 'up' })] });
    expect(data.budgets).toEqual([{ ...BUDGET, usedShare: 0.25 }]);
    expect(data.quality).toBeNull();
    expect(data.planning).toEqual({ roi: null, scorecard: null });
  });

  it('without a monitor, uptime is not measured (null, not 0 or 100%)', async () => {
    const without = await dashboardData({ store, now: NOW, monthlyAmortizationUsd: 0, gpuPriceUsd: null, budgets: [] });
    expect(without.headline.localUptime).toBeNull();
    expect(without.uptime).toMatchObject({ measured: false, local: null, targets: [], statuses: [] });
  });

  it('an empty ledger: zeros, and shares that are unknown rather than 0%', async () => {
    const empty = await openLedgerStore(':memory:');
    try {
      const blank = await dashboardData({ store: empty, now: NOW, monthlyAmortizationUsd: 0, gpuPriceUsd: 1200, budgets: [] });
      expect(blank.headline).toMatchObject({ spendTodayUsd: 0, spendMonthUsd: 0, savingsMonthUsd: 0, requestsToday: 0, localRequestShare: null, localTokenShare: null, fallbacksToday: 0 });
      expect(blank.series.cumulativeSavingsUsd.every((value) => value === 0)).toBe(true);
      expect(blank.series.payback).toMatchObject({ savedUsd: 0, dailyPaceUsd: 0, reachedOn: null, projectedOn: null });
      expect(blank.routing.byTask).toEqual([]);
      expect(blank.latency.targets).toEqual([]);
    } finally {
      await empty.close();
    }
  });
});
