import { bucketOf, emptyBuckets, LATENCY_BUCKET_BOUNDS_MS } from '../latency-histogram.js';
import type { LedgerRecord } from '../ledger-record.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The start of the UTC hour `ts` falls in. */
export function hourOf(ts: number): number {
  return Math.floor(ts / HOUR_MS) * HOUR_MS;
}

/** The start of the UTC day `ts` falls in. */
export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

/**
 * A rollup table: the same key and measures at one time grain. Hourly rows answer any window
 * (reports are rounded to the hour); daily rows answer the whole UTC days of a long window with
 * 24 times fewer rows. Both are written in the same transaction, so they always agree.
 */
export interface RollupTable {
  readonly name: 'rollups_hourly' | 'rollups_daily';
  /** The column holding the epoch ms of the period's start, first in the primary key. */
  readonly period: 'hour' | 'day';
}

export const HOURLY: RollupTable = { name: 'rollups_hourly', period: 'hour' };
export const DAILY: RollupTable = { name: 'rollups_daily', period: 'day' };

/**
 * Where one record is counted in a rollup table. Text dimensions hold `''` for "no value":
 * they are part of the table's primary key, and a NULL there would never conflict with another
 * NULL, so the upsert would add rows instead of adding up. `''` and null are therefore the same
 * thing in reports (an empty team is no team); the API turns `''` back into null.
 */
export interface RollupKey {
  /** Epoch ms of the period's start: the UTC hour's in rollups_hourly, the UTC day's in rollups_daily. */
  readonly period: number;
  readonly keyId: string;
  readonly team: string;
  readonly task: string;
  readonly tier: string;
  readonly provider: string;
  readonly model: string;
  readonly local: boolean;
}

/** The rollup key columns after the period column, in primary-key order. */
export const ROLLUP_DIMENSION_COLUMNS = ['key_id', 'team', 'task', 'tier', 'provider', 'model', 'local'] as const;

/** A rollup table's key columns, in primary-key order. */
export function rollupKeyColumns(table: RollupTable): string[] {
  return [table.period, ...ROLLUP_DIMENSION_COLUMNS];
}

/**
 * The rollup tables' sums, one column each. Every UsageRow number is a sum of one of these, which
 * is what lets an hourly (or daily) row stand for all the records in it.
 */
export const ROLLUP_SUMS = [
  'requests',
  'ok',
  'errors',
  'partial',
  'client_aborted',
  'fallbacks',
  'cache_hits',
  'estimated',
  'input_uncached',
  'cache_read',
  'cache_write',
  'output_text',
  'output_reasoning',
  'cost_usd',
  'cost_unknown',
  'reference_cost_usd',
  'reference_unknown',
  'savings_usd',
  'latency_ms_sum',
  'ttft_ms_sum',
  'ttft_count',
  'generation_ms_sum',
  'generation_output_tokens',
] as const;

export type RollupSum = (typeof ROLLUP_SUMS)[number];

export type RollupSums = Record<RollupSum, number>;

/**
 * One count column per bucket of LATENCY_BUCKET_BOUNDS_MS (`latency_le_25`, …, `latency_le_630000`,
 * then `latency_gt_630000`), and the same for TTFT: histograms that add up like the sums (migration 5).
 */
function bucketColumns(prefix: 'latency' | 'ttft'): readonly string[] {
  const last = LATENCY_BUCKET_BOUNDS_MS[LATENCY_BUCKET_BOUNDS_MS.length - 1]!;
  return [...LATENCY_BUCKET_BOUNDS_MS.map((bound) => `${prefix}_le_${bound}`), `${prefix}_gt_${last}`];
}

/** Answered requests (outcome ok) per latency bucket: `/metrics`' request-duration histogram counts the same ones. */
export const LATENCY_BUCKET_COLUMNS = bucketColumns('latency');
/** Records with a TTFT (streams that produced content) per bucket: the same records as `ttft_count`. */
export const TTFT_BUCKET_COLUMNS = bucketColumns('ttft');

/**
 * Each histogram column as an aggregate over `records` rows: the SQL twin of foldRecords' counts,
 * bucket by bucket as `bucketOf` draws them (upper bounds inclusive). Migration 5 backfills the
 * histograms with it; the seeded test ledgers build theirs with it.
 */
export const RECORD_BUCKET_AGGREGATES: readonly (readonly [column: string, aggregate: string])[] = [
  ...bucketAggregates(LATENCY_BUCKET_COLUMNS, "outcome = 'ok' AND ", 'latency_ms'),
  ...bucketAggregates(TTFT_BUCKET_COLUMNS, '', 'ttft_ms'),
];

function bucketAggregates(columns: readonly string[], only: string, value: string): [string, string][] {
  const bounds = LATENCY_BUCKET_BOUNDS_MS;
  return columns.map((column, index) => {
    const above = index === 0 ? '' : `${value} > ${bounds[index - 1]}`;
    const upTo = index < bounds.length ? `${value} <= ${bounds[index]}` : '';
    return [column, `count(*) FILTER (WHERE ${only}${[above, upTo].filter((part) => part !== '').join(' AND ')})`];
  });
}

/** Every measure column of the rollup tables, in the order of `pushMeasureValues`. All are additive. */
export const ROLLUP_MEASURES: readonly string[] = [...ROLLUP_SUMS, ...LATENCY_BUCKET_COLUMNS, ...TTFT_BUCKET_COLUMNS];

/** Measures of many records that share a rollup key: what one upsert adds to one row. */
export interface RollupDelta {
  readonly key: RollupKey;
  readonly sums: RollupSums;
  /** Counts per latency bucket (LATENCY_BUCKET_COLUMNS). */
  readonly latencyBuckets: number[];
  /** Counts per TTFT bucket (TTFT_BUCKET_COLUMNS). */
  readonly ttftBuckets: number[];
}

/** Appends a delta's measures to `values` (an upsert's key values), in the order of ROLLUP_MEASURES. */
export function pushMeasureValues<T>(values: (T | number)[], delta: RollupDelta): (T | number)[] {
  for (const sum of ROLLUP_SUMS) values.push(delta.sums[sum]);
  for (const count of delta.latencyBuckets) values.push(count);
  for (const count of delta.ttftBuckets) values.push(count);
  return values;
}

/** A record's dimension as stored in a rollup key column. */
export function dimensionValue(value: string | null): string {
  return value ?? '';
}

/** A rollup key column's value as the API reports it. */
export function dimensionFromColumn(value: string): string | null {
  return value === '' ? null : value;
}

export function rollupKeyOf(record: LedgerRecord): RollupKey {
  return {
    period: hourOf(record.ts),
    keyId: dimensionValue(record.keyId),
    team: dimensionValue(record.team),
    task: dimensionValue(record.task),
    tier: dimensionValue(record.tier),
    provider: dimensionValue(record.provider),
    model: dimensionValue(record.model),
    local: record.local,
  };
}

/** What one record adds to its rollup row's sums. */
export function sumsOf(record: LedgerRecord): RollupSums {
  const { tokens } = record;
  const flag = (condition: boolean): number => (condition ? 1 : 0);
  return {
    requests: 1,
    ok: flag(record.outcome === 'ok'),
    errors: flag(record.outcome === 'error'),
    partial: flag(record.outcome === 'partial'),
    client_aborted: flag(record.outcome === 'client_aborted'),
    fallbacks: flag(record.fallbackReason !== null && record.outcome === 'ok'),
    cache_hits: flag(record.cache === 'hit'),
    estimated: flag(tokens.estimated),
    input_uncached: tokens.inputUncached,
    cache_read: tokens.cacheRead,
    cache_write: tokens.cacheWrite,
    output_text: tokens.outputText,
    output_reasoning: tokens.outputReasoning,
    cost_usd: record.costUsd ?? 0,
    cost_unknown: flag(record.costUsd === null),
    reference_cost_usd: record.referenceCostUsd ?? 0,
    reference_unknown: flag(record.referenceCostUsd === null),
    savings_usd: record.savingsUsd ?? 0,
    latency_ms_sum: record.latencyMs,
    ttft_ms_sum: record.ttftMs ?? 0,
    ttft_count: flag(record.ttftMs !== null),
    generation_ms_sum: record.generationMs ?? 0,
    generation_output_tokens: record.generationMs === null ? 0 : tokens.outputText + tokens.outputReasoning,
  };
}

/**
 * Adds up records per hourly rollup key, so a batch costs one upsert per distinct key rather than
 * one per record. Deltas come out sorted by key: concurrent writers (several gateways on one
 * Postgres) then lock rollup rows in the same order and cannot deadlock each other.
 */
export function foldRecords(records: Iterable<LedgerRecord>): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  for (const record of records) {
    const key = rollupKeyOf(record);
    const id = keyString(key);
    const sums = sumsOf(record);
    let delta = deltas.get(id);
    if (delta === undefined) {
      delta = { key, sums, latencyBuckets: emptyBuckets(), ttftBuckets: emptyBuckets() };
      deltas.set(id, delta);
    } else {
      for (const sum of ROLLUP_SUMS) delta.sums[sum] += sums[sum];
    }
    // Latency of answered requests only: a refused or failed request's time says how fast it
    // failed, not how fast the target answers (the mean, latency_ms_sum / requests, is over all).
    if (record.outcome === 'ok') delta.latencyBuckets[bucketOf(record.latencyMs)]! += 1;
    if (record.ttftMs !== null) delta.ttftBuckets[bucketOf(record.ttftMs)]! += 1;
  }
  return sortedByKey(deltas);
}

/** Adds hourly deltas up per UTC day: what the same records add to `rollups_daily`. Sorted like foldRecords'. */
export function foldByDay(hourly: Iterable<RollupDelta>): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  for (const next of hourly) {
    const key = { ...next.key, period: dayOf(next.key.period) };
    const id = keyString(key);
    const delta = deltas.get(id);
    if (delta === undefined) {
      deltas.set(id, { key, sums: { ...next.sums }, latencyBuckets: [...next.latencyBuckets], ttftBuckets: [...next.ttftBuckets] });
      continue;
    }
    for (const sum of ROLLUP_SUMS) delta.sums[sum] += next.sums[sum];
    addInto(delta.latencyBuckets, next.latencyBuckets);
    addInto(delta.ttftBuckets, next.ttftBuckets);
  }
  return sortedByKey(deltas);
}

function addInto(into: number[], counts: readonly number[]): void {
  for (let index = 0; index < counts.length; index++) into[index]! += counts[index]!;
}

function sortedByKey(deltas: Map<string, RollupDelta>): RollupDelta[] {
  return [...deltas.values()].sort((a, b) => compareKeys(a.key, b.key));
}

function keyString(key: RollupKey): string {
  return `${key.period}\u0000${key.keyId}\u0000${key.team}\u0000${key.task}\u0000${key.tier}\u0000${key.provider}\u0000${key.model}\u0000${key.local ? 1 : 0}`;
}

function compareKeys(a: RollupKey, b: RollupKey): number {
  return (
    a.period - b.period ||
    compareText(a.keyId, b.keyId) ||
    compareText(a.team, b.team) ||
    compareText(a.task, b.task) ||
    compareText(a.tier, b.tier) ||
    compareText(a.provider, b.provider) ||
    compareText(a.model, b.model) ||
    Number(a.local) - Number(b.local)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `t.m = t.m + excluded.m, …` for a rollup table t: the DO UPDATE clause both databases share. */
export function addExcludedMeasures(table: RollupTable): string {
  return ROLLUP_MEASURES.map((measure) => `${measure} = ${table.name}.${measure} + excluded.${measure}`).join(', ');
}
