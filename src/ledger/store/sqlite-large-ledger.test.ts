import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../ledger-record.js';
import type { LedgerStore, UsageQuery, UsageRow } from '../ledger-store.js';
import { SQLITE_USAGE_DIALECT } from './sqlite-ledger-database.js';
import { createSqliteLedgerStore } from './sqlite-ledger-store.js';
import { expectSameUsage } from './testing/brute-force-usage.js';
import { generateRecords } from './testing/generate-records.js';
import { rebuildRollups, seedRecords } from './sqlite-ledger-seed.js';
import { bruteForceUsageSql } from './testing/sqlite-ledger-sql.js';
import { buildUsageSql, splitWindow } from './usage-sql.js';

const dir = await mkdtemp(join(tmpdir(), 'tollgate-large-ledger-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 8, 1);
const SPAN = 60 * DAY;
const RECORDS = 1_000_000;

/** Reports' typical questions, over the whole ledger and over slices of it: whole days, days and hours, hours only. */
const QUERIES: readonly { label: string; query: UsageQuery }[] = [
  { label: '60 days by day', query: { since: START, until: START + SPAN, groupBy: ['day'] } },
  { label: '60 days by target and local', query: { since: START, until: START + SPAN, groupBy: ['target', 'local'] } },
  { label: '60 days by month and key', query: { since: START, until: START + SPAN, groupBy: ['month', 'key'] } },
  { label: 'a week of one key, by hour', query: { since: START + 10 * DAY + 1234, until: START + 17 * DAY - 99, groupBy: ['hour'], filter: { keyId: 'key_7' } } },
  { label: 'a month of one key, total (a budget check)', query: { since: START + 30 * DAY, until: START + SPAN, groupBy: [], filter: { keyId: 'key_3' } } },
  { label: 'local traffic by task, tier, provider', query: { since: START, until: START + SPAN, groupBy: ['task', 'tier', 'provider'], filter: { local: true } } },
  { label: 'no team, no key, by day', query: { since: START + 5 * DAY, until: START + 9 * DAY, groupBy: ['day', 'target'], filter: { team: null, keyId: null } } },
  { label: 'mid-day to mid-day, by day and target', query: { since: START + 3 * DAY + 5 * HOUR + 123, until: START + 40 * DAY + 17 * HOUR - 5, groupBy: ['day', 'target'] } },
  { label: 'mid-day to mid-day, one team, by month', query: { since: START + 20 * DAY + 13 * HOUR, until: START + 35 * DAY + 2 * HOUR, groupBy: ['month'], filter: { team: 'team_1' } } },
  { label: '30 hours across two midnights, by tier', query: { since: START + 12 * DAY + 20 * HOUR, until: START + 14 * DAY + 2 * HOUR, groupBy: ['tier'] } },
  { label: 'less than a day, by task', query: { since: START + 10 * DAY + 3 * HOUR, until: START + 10 * DAY + 20 * HOUR, groupBy: ['task'] } },
];

/**
 * What reading a query's window must touch: for each part splitWindow makes, one index range search
 * on that part's rollup table (so rows outside the part are never read), nothing else. No scan
 * of a whole table, and never `records`.
 */
function expectRollupReads(plan: readonly string[], query: UsageQuery, label: string): void {
  const HOUR_MS = 3_600_000;
  const since = Math.floor(query.since / HOUR_MS) * HOUR_MS;
  const until = Math.ceil(query.until / HOUR_MS) * HOUR_MS;
  const parts = splitWindow(since, until, query.groupBy.includes('hour'));
  const reads = plan.filter((detail) => /^(SEARCH|SCAN) (?!parts\b)/.test(detail));
  expect(plan.join('\n'), label).not.toMatch(/\brecords\b/);
  expect(
    reads.map((detail) => /^SEARCH (rollups_hourly|rollups_daily) USING (?:PRIMARY KEY|INDEX \w+) \((?:key_id=\? AND )?(hour|day)>\? AND \2<\?\)$/.exec(detail)?.[1] ?? detail),
    `${label}: ${plan.join('; ')}`,
  ).toEqual(parts.map((part) => part.table.name));
}

describe('SQLite ledger at a million records', () => {
  let store: LedgerStore;
  let db: Database.Database;
  afterAll(async () => {
    await store?.close();
    db?.close();
  });

  it('answers usage from the rollups alone, matching a scan of every record', async () => {
    const path = join(dir, 'large.db');
    store = await createSqliteLedgerStore({ path });
    await store.migrate();

    // Seed straight into the file (the store's own writes are measured below): a million records
    // from a recursive CTE, then their rollups in one GROUP BY.
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    let started = performance.now();
    db.transaction(() => seedRecords(db, { count: RECORDS, start: START, spanMs: SPAN }))();
    const seededMs = performance.now() - started;
    started = performance.now();
    db.transaction(() => rebuildRollups(db))();
    const rolledUpMs = performance.now() - started;
    const rowsOf = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    console.log(
      `large ledger: seeded ${RECORDS.toLocaleString('en')} records in ${seededMs.toFixed(0)} ms, ` +
        `${rowsOf('rollups_hourly').toLocaleString('en')} hourly and ${rowsOf('rollups_daily').toLocaleString('en')} daily rollup rows in ${rolledUpMs.toFixed(0)} ms`,
    );
    expect(db.prepare('SELECT count(*) FROM records').pluck().get()).toBe(RECORDS);

    // Records written through the store's own path (JavaScript folds, hourly and daily) land in the
    // same rollups as the seeded ones, so the SQL folds and the store's are checked against each other too.
    const appended = generateRecords(5_000, { seed: 11, start: START, spanMs: SPAN, idPrefix: 'live' });
    for (let offset = 0; offset < appended.length; offset += 500) await store.append(appended.slice(offset, offset + 500));

    /** Median of three timed calls after one untimed; the last answer. */
    const timed = async (query: UsageQuery): Promise<{ rows: UsageRow[]; median: number }> => {
      const timings: number[] = [];
      let rows = await store.usage(query);
      for (let run = 0; run < 3; run++) {
        const before = performance.now();
        rows = await store.usage(query);
        timings.push(performance.now() - before);
      }
      timings.sort((a, b) => a - b);
      return { rows, median: timings[Math.floor(timings.length / 2)] ?? 0 };
    };
    for (const { label, query } of QUERIES) {
      const { sql, params } = buildUsageSql(query, SQLITE_USAGE_DIALECT);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail);
      expectRollupReads(plan, query, label);
      const withHistograms = { ...query, histograms: true };
      const histogramSql = buildUsageSql(withHistograms, SQLITE_USAGE_DIALECT);
      expectRollupReads((db.prepare(`EXPLAIN QUERY PLAN ${histogramSql.sql}`).all(histogramSql.params) as { detail: string }[]).map((row) => row.detail), withHistograms, `${label}, histograms`);

      const plain = await timed(query);
      const full = await timed(withHistograms);
      console.log(`large ledger: usage(${label}): ${plain.rows.length} rows, median ${plain.median.toFixed(2)} ms, with histograms ${full.median.toFixed(2)} ms (plan: ${plan.join('; ')})`);

      expectSameUsage(plain.rows, bruteForceUsageSql(db, query), label);
      expectSameUsage(full.rows, bruteForceUsageSql(db, withHistograms), `${label}, histograms`);
    }
  }, 120_000);
});

describe('SQLite ledger ingest', () => {
  /** Appends in batches of 500, one at a time as the Ledger does, and logs records per second. */
  const measure = async (label: string, records: readonly LedgerRecord[]): Promise<void> => {
    const store = await createSqliteLedgerStore({ path: join(dir, `ingest-${label}.db`) });
    await store.migrate();
    const started = performance.now();
    for (let offset = 0; offset < records.length; offset += 500) await store.append(records.slice(offset, offset + 500));
    const seconds = (performance.now() - started) / 1000;
    console.log(`ingest (${label}): ${records.length.toLocaleString('en')} records through append() in batches of 500: ${(records.length / seconds).toFixed(0)} records/s`);
    const [total] = await store.usage({ since: START, until: START + 7 * DAY, groupBy: [] });
    expect(total?.requests).toBe(records.length);
    await store.close();
  };

  it('measures append() with records in arrival order, rollups included', async () => {
    // What the gateway does: each batch holds the last moments' requests, so it touches the
    // current hour's rollup rows and the end of the time index.
    const records = generateRecords(100_000, { seed: 12, start: START, spanMs: 7 * DAY, payloadShare: 0 }).sort((a, b) => a.ts - b.ts);
    await measure('arrival order', records);
  }, 60_000);

  it('measures append() with every batch scattered over a week (worst case)', async () => {
    // A spill file replayed, or clocks gone wrong: every record in its own rollup row and page.
    await measure('scattered', generateRecords(50_000, { seed: 13, start: START, spanMs: 7 * DAY, payloadShare: 0 }));
  }, 60_000);
});
