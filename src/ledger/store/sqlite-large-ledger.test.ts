import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../ledger-record.js';
import type { LedgerStore, UsageQuery } from '../ledger-store.js';
import { SQLITE_USAGE_DIALECT } from './sqlite-ledger-database.js';
import { createSqliteLedgerStore } from './sqlite-ledger-store.js';
import { expectSameUsage } from './testing/brute-force-usage.js';
import { generateRecords } from './testing/generate-records.js';
import { bruteForceUsageSql, rollupsFromRecords, seedRecords } from './testing/sqlite-ledger-sql.js';
import { buildUsageSql } from './usage-sql.js';

const dir = await mkdtemp(join(tmpdir(), 'tollgate-large-ledger-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 8, 1);
const SPAN = 60 * DAY;
const RECORDS = 1_000_000;

/** Reports' typical questions, over the whole ledger and over slices of it. */
const QUERIES: readonly { label: string; query: UsageQuery }[] = [
  { label: '60 days by day', query: { since: START, until: START + SPAN, groupBy: ['day'] } },
  { label: '60 days by target and local', query: { since: START, until: START + SPAN, groupBy: ['target', 'local'] } },
  { label: '60 days by month and key', query: { since: START, until: START + SPAN, groupBy: ['month', 'key'] } },
  { label: 'a week of one key, by hour', query: { since: START + 10 * DAY + 1234, until: START + 17 * DAY - 99, groupBy: ['hour'], filter: { keyId: 'key_7' } } },
  { label: 'a month of one key, total (a budget check)', query: { since: START + 30 * DAY, until: START + SPAN, groupBy: [], filter: { keyId: 'key_3' } } },
  { label: 'local traffic by task, tier, provider', query: { since: START, until: START + SPAN, groupBy: ['task', 'tier', 'provider'], filter: { local: true } } },
  { label: 'no team, no key, by day', query: { since: START + 5 * DAY, until: START + 9 * DAY, groupBy: ['day', 'target'], filter: { team: null, keyId: null } } },
];

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
    db.transaction(() => seedRecords(db, RECORDS, START, SPAN))();
    const seededMs = performance.now() - started;
    started = performance.now();
    db.transaction(() => rollupsFromRecords(db))();
    const rolledUpMs = performance.now() - started;
    const rollupRows = db.prepare('SELECT count(*) FROM rollups_hourly').pluck().get() as number;
    console.log(`large ledger: seeded ${RECORDS.toLocaleString('en')} records in ${seededMs.toFixed(0)} ms, ${rollupRows.toLocaleString('en')} rollup rows in ${rolledUpMs.toFixed(0)} ms`);
    expect(db.prepare('SELECT count(*) FROM records').pluck().get()).toBe(RECORDS);

    // Records written through the store's own path (JavaScript fold) land in the same rollups as
    // the seeded ones, so the SQL fold and the store's fold are checked against each other too.
    const appended = generateRecords(5_000, { seed: 11, start: START, spanMs: SPAN, idPrefix: 'live' });
    for (let offset = 0; offset < appended.length; offset += 500) await store.append(appended.slice(offset, offset + 500));

    for (const { label, query } of QUERIES) {
      const { sql, params } = buildUsageSql(query, SQLITE_USAGE_DIALECT);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail);
      expect(plan.join('\n'), label).toMatch(/rollups_hourly/);
      expect(plan.join('\n'), label).not.toMatch(/\brecords\b/);

      const timings: number[] = [];
      let rows = await store.usage(query);
      for (let run = 0; run < 3; run++) {
        const before = performance.now();
        rows = await store.usage(query);
        timings.push(performance.now() - before);
      }
      timings.sort((a, b) => a - b);
      const median = timings[Math.floor(timings.length / 2)] ?? 0;
      console.log(`large ledger: usage(${label}): ${rows.length} rows, median ${median.toFixed(2)} ms (plan: ${plan.join('; ')})`);

      expectSameUsage(rows, bruteForceUsageSql(db, query), label);
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
