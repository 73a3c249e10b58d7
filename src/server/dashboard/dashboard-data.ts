import type { BudgetState } from '../../auth/budget-guard.js';
import { LATENCY_BUCKET_BOUNDS_MS } from '../../ledger/latency-histogram.js';
import type { LedgerStore, UsageDimension } from '../../ledger/ledger-store.js';
import { savingsReport, usageReport, type UsageReportRow } from '../../ledger/reports.js';
import type { MonitorView, TargetStatus, UptimeRow } from '../../monitor/monitor-view.js';

/**
 * Everything the dashboard page shows, as one JSON document (`GET /api/dashboard`). Every ledger
 * figure comes from the rollups through the same reports `/api/usage` and `/api/savings` answer
 * with, so the page and the API cannot disagree; nothing here reads raw records.
 */

const DAY_MS = 86_400_000;

/** Days in the charts' window, today included. */
export const SERIES_DAYS = 30;

/** The plan's promise for the local GPU: 99%+ uptime, measured over the last 30 days. */
export const UPTIME_GOAL = 0.99;
const UPTIME_WINDOW_DAYS = 30;

export interface DashboardSources {
  readonly store: LedgerStore;
  /** Epoch ms: "today" and "this month" are the UTC day and month it falls in. */
  readonly now: number;
  /** pricing.local.hardware spread per month (0 without hardware), as `/api/savings` subtracts it. */
  readonly monthlyAmortizationUsd: number;
  /** What the GPU cost (pricing.local.hardware.priceUsd); null when not configured. */
  readonly gpuPriceUsd: number | null;
  /** The budget guard's current state (spend vs limit per scope and period). */
  readonly budgets: readonly BudgetState[];
  /** Target health and uptime; absent when the gateway runs without a monitor. */
  readonly monitor?: Pick<MonitorView, 'statuses' | 'uptime'>;
}

export interface DashboardData {
  readonly generatedAt: string;
  /** The UTC day (`YYYY-MM-DD`) and month (`YYYY-MM`) the "today" and "this month" figures cover. */
  readonly today: string;
  readonly month: string;
  readonly headline: Headline;
  readonly series: Series;
  readonly routing: { readonly since: string; readonly byTask: RoutingSplit[]; readonly byTier: RoutingSplit[] };
  readonly latency: LatencyPanel;
  readonly uptime: UptimePanel;
  readonly budgets: readonly BudgetView[];
  /** Issue "quality": shadow A/B quality per task. Null until it lands; the page shows a placeholder. */
  readonly quality: null;
  /** Issue "planning": the ROI planner's and the trial scorecard's panels. Null until they land. */
  readonly planning: { readonly roi: null; readonly scorecard: null };
  /** Figures the page must not pretend to have, and why. */
  readonly notes: readonly string[];
}

export interface Headline {
  /** Known cost (cloud list price plus local energy) of today's and this month's requests. */
  readonly spendTodayUsd: number;
  readonly spendMonthUsd: number;
  readonly cloudSpendMonthUsd: number;
  readonly localSpendMonthUsd: number;
  /** Requests whose cost is unknown this month (no price): not in the spend figures. */
  readonly costUnknownMonth: number;
  /** Reference cloud cost − actual cost, this month so far (as `/api/savings` `month.savingsUsd`). */
  readonly savingsMonthUsd: number;
  /** This month's savings at the pace of the days elapsed, before and after hardware amortisation. */
  readonly projectedSavingsMonthUsd: number;
  readonly projectedNetSavingsMonthUsd: number;
  readonly hardwareAmortizationMonthUsd: number;
  readonly requestsToday: number;
  readonly requestsMonth: number;
  readonly localRequestsMonth: number;
  /** localRequestsMonth / requestsMonth (every request counts, refused ones too, as in `/api/savings`); null with none. */
  readonly localRequestShare: number | null;
  /** Input + output tokens served locally / all tokens, this month; null with none. */
  readonly localTokenShare: number | null;
  /** Requests answered by a target other than their first, today (fallbacks that failed too are errors). */
  readonly fallbacksToday: number;
  /** The combined uptime of the local targets over 30 days; null when not measured. */
  readonly localUptime: number | null;
  readonly uptimeGoal: number;
}

export interface Series {
  /** The UTC days of the window, oldest first; every array below has one entry per day. */
  readonly days: readonly string[];
  readonly localSpendUsd: readonly number[];
  readonly cloudSpendUsd: readonly number[];
  readonly requests: readonly number[];
  readonly localRequests: readonly number[];
  readonly fallbacks: readonly number[];
  readonly savingsUsd: readonly number[];
  /** Savings since the ledger's first record, at the end of each day. */
  readonly cumulativeSavingsUsd: readonly number[];
  readonly payback: Payback;
}

export interface Payback {
  readonly gpuPriceUsd: number | null;
  /** Cumulative savings up to now (the ledger's whole history). */
  readonly savedUsd: number;
  /** The first day cumulative savings reached the GPU's price; null when not (yet) reached. */
  readonly reachedOn: string | null;
  /** Average savings per day over the window, the pace the projection uses. */
  readonly dailyPaceUsd: number;
  /** When the price will be reached at that pace; null when reached, no price, or no savings. */
  readonly projectedOn: string | null;
}

export interface RoutingSplit {
  /** The task or tier; null for requests without one. */
  readonly name: string | null;
  readonly requests: number;
  readonly localRequests: number;
  readonly cloudRequests: number;
  readonly fallbacks: number;
  readonly costUsd: number;
  readonly savingsUsd: number;
}

export interface LatencyPanel {
  /** The windows of `last24h` and `window` figures. */
  readonly since24h: string;
  readonly since: string;
  /** The histograms' last bound: a percentile of this value means "at least this long". */
  readonly percentileCeilingMs: number;
  readonly targets: LatencyRow[];
}

export interface LatencyWindow {
  readonly requests: number;
  readonly errors: number;
  readonly fallbacks: number;
  /**
   * Median and 95th percentile latency of the answered requests (outcome ok: a refused or failed
   * request's time says how fast it failed), from the rollups' latency histograms; null with none.
   * Within the bucket of the true value (buckets 1.6× apart), typically a few percent off: see
   * ledger/latency-histogram.ts.
   */
  readonly latencyMsP50: number | null;
  readonly latencyMsP95: number | null;
  /** The same for time to first token, over streams that produced content. */
  readonly ttftMsP50: number | null;
  readonly ttftMsP95: number | null;
  /** Means from the rollups' sums (latency over every request, as `/api/usage`); null with no data. */
  readonly latencyMsAvg: number | null;
  readonly ttftMsAvg: number | null;
  readonly tokensPerSecond: number | null;
}

export interface LatencyRow {
  /** `provider/model`. */
  readonly target: string;
  readonly local: boolean;
  readonly last24h: LatencyWindow;
  readonly window: LatencyWindow;
}

export interface UptimePanel {
  readonly goal: number;
  readonly windowDays: number;
  /** False when the gateway runs without a monitor (then everything below is empty or null). */
  readonly measured: boolean;
  readonly local: number | null;
  readonly targets: readonly UptimeRow[];
  /** Each target's live state. */
  readonly statuses: readonly TargetStatus[];
}

export interface BudgetView extends BudgetState {
  /** spentUsd / limitUsd (null for a limit of 0). */
  readonly usedShare: number | null;
}

export async function dashboardData(sources: DashboardSources): Promise<DashboardData> {
  const { store, now } = sources;
  const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const date = new Date(now);
  const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const windowStart = todayStart - (SERIES_DAYS - 1) * DAY_MS;
  // As the usage API: `until` just after now, rounded up to the hour by the store.
  const until = now + 1;
  const report = (since: number, by: UsageDimension[], end = until, histograms = false) => usageReport(store, { since, until: end, by, histograms });

  const [month, savings, perDay, before, byTask, byTier, targets, targets24h, uptime] = await Promise.all([
    report(monthStart, ['local']),
    savingsReport(store, { since: monthStart, until, period: 'month', now, monthlyAmortizationUsd: sources.monthlyAmortizationUsd }),
    report(windowStart, ['day', 'local']),
    // Savings before the window: the start of the cumulative line. Whole days, so daily rollups.
    report(0, [], windowStart),
    report(windowStart, ['task', 'local']),
    report(windowStart, ['tier', 'local']),
    // Only the latency table needs the histograms (they make a query about twice as slow).
    report(windowStart, ['target', 'local'], until, true),
    report(now - DAY_MS, ['target', 'local'], until, true),
    sources.monitor ? sources.monitor.uptime({ from: now - UPTIME_WINDOW_DAYS * DAY_MS, to: now }) : Promise.resolve(undefined),
  ]);

  const days = Array.from({ length: SERIES_DAYS }, (_, i) => isoDay(windowStart + i * DAY_MS));
  const index = new Map(days.map((day, i) => [day, i]));
  const column = () => days.map(() => 0);
  const series = {
    localSpendUsd: column(),
    cloudSpendUsd: column(),
    requests: column(),
    localRequests: column(),
    fallbacks: column(),
    savingsUsd: column(),
  };
  for (const row of perDay.rows) {
    const i = index.get(String(row.group.day));
    if (i === undefined) continue;
    const local = row.group.local === true;
    (local ? series.localSpendUsd : series.cloudSpendUsd)[i]! += row.costUsd;
    series.requests[i]! += row.requests;
    if (local) series.localRequests[i]! += row.requests;
    series.fallbacks[i]! += row.fallbacks;
    series.savingsUsd[i]! += row.savingsUsd;
  }
  let running = before.totals.savingsUsd;
  const cumulativeSavingsUsd = series.savingsUsd.map((saved) => (running += saved));
  const last = SERIES_DAYS - 1;

  const monthLocal = month.rows.find((row) => row.group.local === true);
  const monthCloud = month.rows.find((row) => row.group.local === false);
  const tokens = (row: UsageReportRow | undefined) => (row ? row.inputTokens + row.outputTokens : 0);
  const totalTokens = tokens(monthLocal) + tokens(monthCloud);
  const localUptime = uptime ? combinedUptime(uptime.filter((row) => row.local)) : null;

  return {
    generatedAt: new Date(now).toISOString(),
    today: days[last]!,
    month: savings.month.month,
    headline: {
      spendTodayUsd: series.localSpendUsd[last]! + series.cloudSpendUsd[last]!,
      spendMonthUsd: month.totals.costUsd,
      cloudSpendMonthUsd: monthCloud?.costUsd ?? 0,
      localSpendMonthUsd: monthLocal?.costUsd ?? 0,
      costUnknownMonth: month.totals.costUnknown,
      savingsMonthUsd: savings.month.savingsUsd,
      projectedSavingsMonthUsd: savings.month.projectedSavingsUsd,
      projectedNetSavingsMonthUsd: savings.month.projectedNetSavingsUsd,
      hardwareAmortizationMonthUsd: savings.month.hardwareAmortizationUsd,
      requestsToday: series.requests[last]!,
      requestsMonth: month.totals.requests,
      localRequestsMonth: monthLocal?.requests ?? 0,
      localRequestShare: share(monthLocal?.requests ?? 0, month.totals.requests),
      localTokenShare: share(tokens(monthLocal), totalTokens),
      fallbacksToday: series.fallbacks[last]!,
      localUptime,
      uptimeGoal: UPTIME_GOAL,
    },
    series: {
      days,
      ...series,
      cumulativeSavingsUsd,
      payback: payback(days, cumulativeSavingsUsd, sum(series.savingsUsd) / ((now - windowStart) / DAY_MS), sources.gpuPriceUsd),
    },
    routing: { since: new Date(windowStart).toISOString(), byTask: split(byTask.rows, 'task'), byTier: split(byTier.rows, 'tier') },
    latency: {
      since24h: new Date(now - DAY_MS).toISOString(),
      since: new Date(windowStart).toISOString(),
      percentileCeilingMs: LATENCY_BUCKET_BOUNDS_MS[LATENCY_BUCKET_BOUNDS_MS.length - 1]!,
      targets: latencyRows(targets.rows, targets24h.rows),
    },
    uptime: {
      goal: UPTIME_GOAL,
      windowDays: UPTIME_WINDOW_DAYS,
      measured: uptime !== undefined,
      local: localUptime,
      targets: uptime ?? [],
      statuses: sources.monitor?.statuses() ?? [],
    },
    budgets: sources.budgets.map((budget) => ({ ...budget, usedShare: budget.limitUsd > 0 ? budget.spentUsd / budget.limitUsd : null })),
    quality: null,
    planning: { roi: null, scorecard: null },
    notes: [
      'Latency p50/p95 count answered requests, TTFT streams that produced content; both come from per-bucket counts in the rollups (buckets 1.6× apart from 25 ms to 10.5 min), so each is within its bucket and typically a few percent off.',
      'Fallbacks count requests answered by a later target; why the first failed is per record, not in the rollups.',
    ],
  };
}

function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Time-weighted: all local targets' up time over their observed time. */
function combinedUptime(rows: readonly UptimeRow[]): number | null {
  const up = rows.reduce((sum, row) => sum + row.upMs, 0);
  const observed = rows.reduce((sum, row) => sum + row.upMs + row.downMs, 0);
  return observed > 0 ? up / observed : null;
}

/** Where cumulative savings meet the GPU's price: the day they did, or the day they will at the window's pace. */
function payback(days: readonly string[], cumulative: readonly number[], dailyPaceUsd: number, gpuPriceUsd: number | null): Payback {
  const savedUsd = cumulative[cumulative.length - 1] ?? 0;
  if (gpuPriceUsd === null) return { gpuPriceUsd, savedUsd, reachedOn: null, dailyPaceUsd, projectedOn: null };
  const reached = cumulative.findIndex((value) => value >= gpuPriceUsd);
  if (reached >= 0) return { gpuPriceUsd, savedUsd, reachedOn: days[reached]!, dailyPaceUsd, projectedOn: null };
  const today = Date.parse(`${days[days.length - 1]}T00:00:00Z`);
  const projectedOn = dailyPaceUsd > 0 ? isoDay(today + Math.ceil((gpuPriceUsd - savedUsd) / dailyPaceUsd) * DAY_MS) : null;
  return { gpuPriceUsd, savedUsd, reachedOn: null, dailyPaceUsd, projectedOn };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function split(rows: readonly UsageReportRow[], dimension: 'task' | 'tier'): RoutingSplit[] {
  const byName = new Map<string | null, RoutingSplit>();
  for (const row of rows) {
    const name = row.group[dimension] as string | null;
    const entry = byName.get(name) ?? { name, requests: 0, localRequests: 0, cloudRequests: 0, fallbacks: 0, costUsd: 0, savingsUsd: 0 };
    const local = row.group.local === true;
    byName.set(name, {
      name,
      requests: entry.requests + row.requests,
      localRequests: entry.localRequests + (local ? row.requests : 0),
      cloudRequests: entry.cloudRequests + (local ? 0 : row.requests),
      fallbacks: entry.fallbacks + row.fallbacks,
      costUsd: entry.costUsd + row.costUsd,
      savingsUsd: entry.savingsUsd + row.savingsUsd,
    });
  }
  // Busiest first; requests without a task (or tier) after the named ones of the same size.
  return [...byName.values()].sort((a, b) => b.requests - a.requests || Number(a.name === null) - Number(b.name === null) || (a.name ?? '').localeCompare(b.name ?? ''));
}

const NO_LATENCY: LatencyWindow = {
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
};

function latencyWindow(row: UsageReportRow | undefined): LatencyWindow {
  if (!row) return NO_LATENCY;
  return {
    requests: row.requests,
    errors: row.errors,
    fallbacks: row.fallbacks,
    latencyMsP50: row.latencyMsP50,
    latencyMsP95: row.latencyMsP95,
    ttftMsP50: row.ttftMsP50,
    ttftMsP95: row.ttftMsP95,
    latencyMsAvg: row.latencyMsAvg,
    ttftMsAvg: row.ttftMsAvg,
    tokensPerSecond: row.tokensPerSecond,
  };
}

/** One row per target that was called in the window (requests nobody was called for have no target). */
function latencyRows(window: readonly UsageReportRow[], last24h: readonly UsageReportRow[]): LatencyRow[] {
  const recent = new Map(last24h.map((row) => [`${row.group.target}\u0000${row.group.local}`, row]));
  return window
    .filter((row) => typeof row.group.target === 'string')
    .map((row) => ({
      target: row.group.target as string,
      local: row.group.local === true,
      last24h: latencyWindow(recent.get(`${row.group.target}\u0000${row.group.local}`)),
      window: latencyWindow(row),
    }))
    .sort((a, b) => Number(b.local) - Number(a.local) || b.window.requests - a.window.requests || a.target.localeCompare(b.target));
}
