import { quantile } from './latency-histogram.js';
import type { LedgerStore, UsageDimension, UsageFilter, UsageRow } from './ledger-store.js';

/**
 * Usage and savings reports, shared by `GET /api/usage`, `GET /api/savings` and `tollgate report`.
 * They read rollups only, so they answer in milliseconds over any number of records.
 */

export const USAGE_DIMENSIONS: readonly UsageDimension[] = ['hour', 'day', 'month', 'key', 'team', 'task', 'tier', 'target', 'provider', 'local'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A time given as `7d`, `24h`, `30m` (that long before `now`), an ISO date or date-time, or epoch
 * milliseconds. Throws a RangeError naming the value when it is none of these.
 */
export function parseTime(value: string, now: number): number {
  const relative = /^(\d+(?:\.\d+)?)\s*(m|h|d|w)$/i.exec(value.trim());
  if (relative) {
    const unit = { m: 60_000, h: HOUR, d: DAY, w: 7 * DAY }[relative[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'];
    return now - Number(relative[1]) * unit;
  }
  if (/^\d{10,}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new RangeError(`'${value}' is not a time: use 7d, 24h, 30m, an ISO date (2026-11-01) or epoch milliseconds.`);
  return parsed;
}

export interface UsageReportQuery {
  readonly since: number;
  readonly until: number;
  readonly by: readonly UsageDimension[];
  readonly filter?: UsageFilter;
  /** Read the latency and TTFT histograms too, for the percentiles (a slower query: see UsageQuery). */
  readonly histograms?: boolean;
}

/** A usage row with the figures people read derived from the sums. */
export interface UsageReportRow extends UsageRow {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Mean latency (over every request) and time to first token, milliseconds (null with no data). */
  readonly latencyMsAvg: number | null;
  readonly ttftMsAvg: number | null;
  /**
   * Median and 95th percentile latency of answered requests (outcome ok) and of TTFT, milliseconds,
   * from the rollups' histograms (latency-histogram.ts states their error); null with no data, or
   * when the report did not read the histograms.
   */
  readonly latencyMsP50: number | null;
  readonly latencyMsP95: number | null;
  readonly ttftMsP50: number | null;
  readonly ttftMsP95: number | null;
  /** Output tokens per second of upstream generation time (local models report it). */
  readonly tokensPerSecond: number | null;
}

export interface UsageReport {
  readonly since: string;
  readonly until: string;
  readonly by: readonly UsageDimension[];
  readonly rows: UsageReportRow[];
  readonly totals: UsageReportRow;
}

export async function usageReport(store: LedgerStore, query: UsageReportQuery): Promise<UsageReport> {
  const rows = await store.usage({
    since: query.since,
    until: query.until,
    groupBy: query.by,
    ...(query.filter ? { filter: query.filter } : {}),
    ...(query.histograms ? { histograms: true } : {}),
  });
  return {
    since: new Date(query.since).toISOString(),
    until: new Date(query.until).toISOString(),
    by: query.by,
    rows: rows.map(derive),
    totals: derive(sumRows(rows)),
  };
}

export interface SavingsPeriod {
  readonly period: string;
  readonly requests: number;
  readonly localRequests: number;
  readonly costUsd: number;
  readonly referenceCostUsd: number;
  readonly savingsUsd: number;
  readonly costUnknown: number;
}

export interface SavingsReport {
  readonly since: string;
  readonly until: string;
  readonly period: 'day' | 'month';
  readonly periods: SavingsPeriod[];
  readonly totals: Omit<SavingsPeriod, 'period'>;
  /** This calendar month (UTC): so far, and projected to its end at the pace of the days elapsed. */
  readonly month: {
    readonly month: string;
    readonly costUsd: number;
    readonly referenceCostUsd: number;
    readonly savingsUsd: number;
    readonly elapsedFraction: number;
    readonly projectedCostUsd: number;
    readonly projectedReferenceCostUsd: number;
    readonly projectedSavingsUsd: number;
    /** The GPU's price spread over its months (pricing.local.hardware), subtracted for the net figure. */
    readonly hardwareAmortizationUsd: number;
    readonly projectedNetSavingsUsd: number;
  };
}

/** Actual cost against the reference cloud model's, per day or month, with this month's projection. */
export async function savingsReport(
  store: LedgerStore,
  options: { since: number; until: number; period: 'day' | 'month'; now: number; monthlyAmortizationUsd: number; filter?: UsageFilter },
): Promise<SavingsReport> {
  const filter = options.filter ? { filter: options.filter } : {};
  const rows = await store.usage({ since: options.since, until: options.until, groupBy: [options.period, 'local'], ...filter });
  const byPeriod = new Map<string, SavingsPeriod>();
  for (const row of rows) {
    const period = String(row.group[options.period]);
    const entry = byPeriod.get(period) ?? { period, requests: 0, localRequests: 0, costUsd: 0, referenceCostUsd: 0, savingsUsd: 0, costUnknown: 0 };
    byPeriod.set(period, {
      period,
      requests: entry.requests + row.requests,
      localRequests: entry.localRequests + (row.group.local === true ? row.requests : 0),
      costUsd: entry.costUsd + row.costUsd,
      referenceCostUsd: entry.referenceCostUsd + row.referenceCostUsd,
      savingsUsd: entry.savingsUsd + row.savingsUsd,
      costUnknown: entry.costUnknown + row.costUnknown,
    });
  }
  const periods = [...byPeriod.values()];
  const totals = periods.reduce(
    (sum, entry) => ({
      requests: sum.requests + entry.requests,
      localRequests: sum.localRequests + entry.localRequests,
      costUsd: sum.costUsd + entry.costUsd,
      referenceCostUsd: sum.referenceCostUsd + entry.referenceCostUsd,
      savingsUsd: sum.savingsUsd + entry.savingsUsd,
      costUnknown: sum.costUnknown + entry.costUnknown,
    }),
    { requests: 0, localRequests: 0, costUsd: 0, referenceCostUsd: 0, savingsUsd: 0, costUnknown: 0 },
  );

  const now = new Date(options.now);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const [month] = await store.usage({ since: monthStart, until: monthEnd, groupBy: [], ...filter });
  const elapsedFraction = Math.min(1, Math.max(1 / (monthEnd - monthStart), (options.now - monthStart) / (monthEnd - monthStart)));
  const cost = month?.costUsd ?? 0;
  const reference = month?.referenceCostUsd ?? 0;
  const savings = month?.savingsUsd ?? 0;
  const projectedSavings = savings / elapsedFraction;
  return {
    since: new Date(options.since).toISOString(),
    until: new Date(options.until).toISOString(),
    period: options.period,
    periods,
    totals,
    month: {
      month: new Date(monthStart).toISOString().slice(0, 7),
      costUsd: cost,
      referenceCostUsd: reference,
      savingsUsd: savings,
      elapsedFraction,
      projectedCostUsd: cost / elapsedFraction,
      projectedReferenceCostUsd: reference / elapsedFraction,
      projectedSavingsUsd: projectedSavings,
      hardwareAmortizationUsd: options.monthlyAmortizationUsd,
      projectedNetSavingsUsd: projectedSavings - options.monthlyAmortizationUsd,
    },
  };
}

function derive(row: UsageRow): UsageReportRow {
  const inputTokens = row.tokens.inputUncached + row.tokens.cacheRead + row.tokens.cacheWrite;
  const outputTokens = row.tokens.outputText + row.tokens.outputReasoning;
  return {
    ...row,
    inputTokens,
    outputTokens,
    latencyMsAvg: row.requests > 0 ? row.latencyMsSum / row.requests : null,
    ttftMsAvg: row.ttftCount > 0 ? row.ttftMsSum / row.ttftCount : null,
    latencyMsP50: percentile(row.latencyBuckets, 0.5),
    latencyMsP95: percentile(row.latencyBuckets, 0.95),
    ttftMsP50: percentile(row.ttftBuckets, 0.5),
    ttftMsP95: percentile(row.ttftBuckets, 0.95),
    tokensPerSecond: row.generationMsSum > 0 ? row.generationOutputTokens / (row.generationMsSum / 1000) : null,
  };
}

function percentile(buckets: readonly number[] | undefined, q: number): number | null {
  return buckets === undefined ? null : quantile(buckets, q);
}

/** Adds two histograms bucket by bucket; a missing one (not read) adds nothing. */
function addBuckets(a: readonly number[] | undefined, b: readonly number[] | undefined): readonly number[] | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return a.map((count, index) => count + (b[index] ?? 0));
}

const EMPTY_ROW: UsageRow = {
  group: {},
  requests: 0,
  ok: 0,
  errors: 0,
  partial: 0,
  clientAborted: 0,
  fallbacks: 0,
  cacheHits: 0,
  estimated: 0,
  tokens: { inputUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, outputReasoning: 0 },
  costUsd: 0,
  costUnknown: 0,
  referenceCostUsd: 0,
  referenceUnknown: 0,
  savingsUsd: 0,
  latencyMsSum: 0,
  ttftMsSum: 0,
  ttftCount: 0,
  generationMsSum: 0,
  generationOutputTokens: 0,
};

/** Sums rows into one (the totals line). */
export function sumRows(rows: readonly UsageRow[]): UsageRow {
  return rows.reduce<UsageRow>(
    (sum, row) => ({
      group: {},
      requests: sum.requests + row.requests,
      ok: sum.ok + row.ok,
      errors: sum.errors + row.errors,
      partial: sum.partial + row.partial,
      clientAborted: sum.clientAborted + row.clientAborted,
      fallbacks: sum.fallbacks + row.fallbacks,
      cacheHits: sum.cacheHits + row.cacheHits,
      estimated: sum.estimated + row.estimated,
      tokens: {
        inputUncached: sum.tokens.inputUncached + row.tokens.inputUncached,
        cacheRead: sum.tokens.cacheRead + row.tokens.cacheRead,
        cacheWrite: sum.tokens.cacheWrite + row.tokens.cacheWrite,
        outputText: sum.tokens.outputText + row.tokens.outputText,
        outputReasoning: sum.tokens.outputReasoning + row.tokens.outputReasoning,
      },
      costUsd: sum.costUsd + row.costUsd,
      costUnknown: sum.costUnknown + row.costUnknown,
      referenceCostUsd: sum.referenceCostUsd + row.referenceCostUsd,
      referenceUnknown: sum.referenceUnknown + row.referenceUnknown,
      savingsUsd: sum.savingsUsd + row.savingsUsd,
      latencyMsSum: sum.latencyMsSum + row.latencyMsSum,
      ttftMsSum: sum.ttftMsSum + row.ttftMsSum,
      ttftCount: sum.ttftCount + row.ttftCount,
      generationMsSum: sum.generationMsSum + row.generationMsSum,
      generationOutputTokens: sum.generationOutputTokens + row.generationOutputTokens,
      ...withBuckets(addBuckets(sum.latencyBuckets, row.latencyBuckets), addBuckets(sum.ttftBuckets, row.ttftBuckets)),
    }),
    EMPTY_ROW,
  );
}

/** The histogram fields of a row, present only when there are histograms. */
function withBuckets(latencyBuckets: readonly number[] | undefined, ttftBuckets: readonly number[] | undefined): Pick<UsageRow, 'latencyBuckets' | 'ttftBuckets'> {
  return latencyBuckets === undefined || ttftBuckets === undefined ? {} : { latencyBuckets, ttftBuckets };
}
