import { expect } from 'vitest';
import type { LedgerRecord } from '../../ledger-record.js';
import type { UsageDimension, UsageQuery, UsageRow } from '../../ledger-store.js';
import { LATENCY_BUCKET_BOUNDS_MS } from '../../latency-histogram.js';

const HOUR = 3_600_000;

type Group = Record<string, string | boolean | null>;

/**
 * What `usage()` must answer, computed the slow, obvious way from the records themselves: the
 * oracle the stores' rollups are checked against. Written apart from the stores' code on purpose.
 */
export function bruteForceUsage(records: readonly LedgerRecord[], query: UsageQuery): UsageRow[] {
  const since = Math.floor(query.since / HOUR) * HOUR;
  const until = Math.ceil(query.until / HOUR) * HOUR;
  const filter = query.filter ?? {};
  const dimensions = [...new Set(query.groupBy)];
  const groups = new Map<string, { group: Group; rows: LedgerRecord[] }>();
  for (const record of records) {
    if (record.ts < since || record.ts >= until) continue;
    if (filter.keyId !== undefined && record.keyId !== filter.keyId) continue;
    if (filter.team !== undefined && record.team !== filter.team) continue;
    if (filter.task !== undefined && record.task !== filter.task) continue;
    if (filter.tier !== undefined && record.tier !== filter.tier) continue;
    if (filter.provider !== undefined && record.provider !== filter.provider) continue;
    if (filter.target !== undefined && targetOf(record) !== filter.target) continue;
    if (filter.local !== undefined && record.local !== filter.local) continue;
    const group: Group = {};
    for (const dimension of dimensions) group[dimension] = dimensionOf(record, dimension);
    const id = JSON.stringify(group);
    const entry = groups.get(id) ?? { group, rows: [] };
    entry.rows.push(record);
    groups.set(id, entry);
  }
  const compare = (a: Group, b: Group): number => {
    for (const dimension of dimensions) {
      const order = compareValues(a[dimension] ?? null, b[dimension] ?? null);
      if (order !== 0) return order;
    }
    return 0;
  };
  return [...groups.values()].sort((a, b) => compare(a.group, b.group)).map(({ group, rows }) => sumOf(group, rows, query.histograms === true));
}

function targetOf(record: LedgerRecord): string | null {
  return record.provider === null ? null : `${record.provider}/${record.model ?? ''}`;
}

function dimensionOf(record: LedgerRecord, dimension: UsageDimension): string | boolean | null {
  const iso = new Date(record.ts).toISOString(); // 2026-11-25T13:45:12.345Z
  switch (dimension) {
    case 'hour':
      return `${iso.slice(0, 13)}:00:00Z`;
    case 'day':
      return iso.slice(0, 10);
    case 'month':
      return iso.slice(0, 7);
    case 'key':
      return record.keyId;
    case 'team':
      return record.team;
    case 'task':
      return record.task;
    case 'tier':
      return record.tier;
    case 'target':
      return targetOf(record);
    case 'provider':
      return record.provider;
    case 'local':
      return record.local;
  }
}

/** null first, then false < true, then strings by code unit (what binary collation gives for ASCII). */
function compareValues(a: string | boolean | null, b: string | boolean | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function sumOf(group: Group, rows: readonly LedgerRecord[], histograms: boolean): UsageRow {
  const count = (predicate: (record: LedgerRecord) => boolean): number => rows.filter(predicate).length;
  const total = (value: (record: LedgerRecord) => number): number => rows.reduce((sum, record) => sum + value(record), 0);
  return {
    group,
    requests: rows.length,
    ok: count((r) => r.outcome === 'ok'),
    errors: count((r) => r.outcome === 'error'),
    partial: count((r) => r.outcome === 'partial'),
    clientAborted: count((r) => r.outcome === 'client_aborted'),
    fallbacks: count((r) => r.outcome === 'ok' && r.fallbackReason !== null),
    cacheHits: count((r) => r.cache === 'hit'),
    estimated: count((r) => r.tokens.estimated),
    tokens: {
      inputUncached: total((r) => r.tokens.inputUncached),
      cacheRead: total((r) => r.tokens.cacheRead),
      cacheWrite: total((r) => r.tokens.cacheWrite),
      outputText: total((r) => r.tokens.outputText),
      outputReasoning: total((r) => r.tokens.outputReasoning),
    },
    costUsd: total((r) => r.costUsd ?? 0),
    costUnknown: count((r) => r.costUsd === null),
    referenceCostUsd: total((r) => r.referenceCostUsd ?? 0),
    referenceUnknown: count((r) => r.referenceCostUsd === null),
    savingsUsd: total((r) => r.savingsUsd ?? 0),
    latencyMsSum: total((r) => r.latencyMs),
    ttftMsSum: total((r) => r.ttftMs ?? 0),
    ttftCount: count((r) => r.ttftMs !== null),
    generationMsSum: total((r) => r.generationMs ?? 0),
    generationOutputTokens: total((r) => (r.generationMs === null ? 0 : r.tokens.outputText + r.tokens.outputReasoning)),
    ...(histograms
      ? {
          // Latency of answered requests only; TTFT of every record that has one.
          latencyBuckets: histogram(rows.filter((r) => r.outcome === 'ok').map((r) => r.latencyMs)),
          ttftBuckets: histogram(rows.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]))),
        }
      : {}),
  };
}

/** Counts per bucket: a value belongs to the bucket past every bound below it (bounds are inclusive upper ends). */
function histogram(values: readonly number[]): number[] {
  const counts = Array.from({ length: LATENCY_BUCKET_BOUNDS_MS.length + 1 }, () => 0);
  for (const value of values) counts[LATENCY_BUCKET_BOUNDS_MS.filter((bound) => bound < value).length]! += 1;
  return counts;
}

const FLOAT_FIELDS = ['costUsd', 'referenceCostUsd', 'savingsUsd', 'latencyMsSum', 'ttftMsSum', 'generationMsSum'] as const;

/**
 * Asserts two usage answers agree: same groups in the same order, counts exactly equal, sums of
 * fractional values equal up to floating-point summation order (relative 1e-9).
 */
export function expectSameUsage(actual: readonly UsageRow[], expected: readonly UsageRow[], label = ''): void {
  expect(actual.map((row) => row.group), `${label}: groups`).toEqual(expected.map((row) => row.group));
  actual.forEach((row, index) => {
    const want = expected[index] as UsageRow;
    const where = `${label}: ${JSON.stringify(row.group)}`;
    for (const field of FLOAT_FIELDS) {
      expect(Math.abs(row[field] - want[field]), `${where} ${field}: ${row[field]} vs ${want[field]}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[field])));
    }
    const exact = (value: UsageRow): Omit<UsageRow, (typeof FLOAT_FIELDS)[number]> => {
      const { costUsd: _c, referenceCostUsd: _r, savingsUsd: _s, latencyMsSum: _l, ttftMsSum: _t, generationMsSum: _g, ...rest } = value;
      return rest;
    };
    expect(exact(row), where).toEqual(exact(want));
  });
}
