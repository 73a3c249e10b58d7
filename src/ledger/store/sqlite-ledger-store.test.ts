import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { LedgerStoreError } from './ledger-store-error.js';
import { LATENCY_BUCKET_COLUMNS, TTFT_BUCKET_COLUMNS } from './rollup.js';
import { createSqliteLedgerStore } from './sqlite-ledger-store.js';
import type { UsageQuery } from '../ledger-store.js';
import { bruteForceUsage, expectSameUsage } from './testing/brute-force-usage.js';
import { generateRecords } from './testing/generate-records.js';
import { describeLedgerStore } from './testing/ledger-store-suite.js';

const dir = await mkdtemp(join(tmpdir(), 'tollgate-sqlite-store-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let files = 0;

/** Takes migration 5's histogram columns out of the rollup tables that exist: the schema before it. */
function dropHistogramColumns(db: Database.Database, tables: readonly string[]): void {
  for (const table of tables) for (const column of [...LATENCY_BUCKET_COLUMNS, ...TTFT_BUCKET_COLUMNS]) db.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
}

describeLedgerStore('sqlite', {
  fresh: async () => {
    const path = join(dir, `ledger-${++files}.db`);
    const open = async () => {
      const store = await createSqliteLedgerStore({ path });
      await store.migrate();
      return store;
    };
    return { store: await open(), reopen: open };
  },
});

describe('SQLite ledger store', () => {
  const START = Date.UTC(2026, 10, 23);
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const ALL_TIME = { since: 0, until: Date.UTC(2100, 0, 1) };

  it('creates the directory of its file and uses WAL', async () => {
    const path = join(dir, 'nested', 'deeper', 'tollgate.db');
    const store = await createSqliteLedgerStore({ path });
    await store.migrate();
    await store.append(generateRecords(10, { seed: 1, start: START, spanMs: 3_600_000 }));
    await store.close();
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'records, hourly rollups, api keys' },
      { version: 2, name: 'daily rollups' },
      { version: 3, name: 'drop the records (key_id, ts) index' },
      { version: 4, name: 'target events' },
      { version: 5, name: 'latency and ttft histograms in the rollups' },
      { version: 6, name: 'fallback drills' },
    ]);
    db.close();
  });

  it('backfills daily rollups from the hourly ones when upgrading a ledger of schema 1', async () => {
    const path = join(dir, 'schema-1.db');
    const records = generateRecords(2_000, { seed: 6, start: START, spanMs: 4 * DAY + 5 * HOUR, payloadShare: 0 });
    const store = await createSqliteLedgerStore({ path });
    await store.migrate();
    await store.append(records);
    await store.close();
    // Back to what schema 1 left: records and hourly rollups (without histograms), no daily ones.
    const db = new Database(path);
    db.exec('DROP TABLE rollups_daily; DELETE FROM schema_migrations WHERE version > 1');
    dropHistogramColumns(db, ['rollups_hourly']);
    db.close();

    const upgraded = await createSqliteLedgerStore({ path });
    await upgraded.migrate();
    const later = generateRecords(500, { seed: 7, start: START + 3 * DAY, spanMs: 3 * DAY, idPrefix: 'later', payloadShare: 0 });
    await upgraded.append(later);
    const all = [...records, ...later];
    for (const query of [
      { ...ALL_TIME, groupBy: ['day', 'key', 'target'] },
      { ...ALL_TIME, groupBy: [] },
      { since: START + 5 * HOUR, until: START + 5 * DAY + 7 * HOUR, groupBy: ['month', 'task', 'local'] },
    ] satisfies UsageQuery[]) {
      expectSameUsage(await upgraded.usage(query), bruteForceUsage(all, query), JSON.stringify(query.groupBy));
    }
    await upgraded.close();
  });

  it('backfills the latency and TTFT histograms from the records when upgrading a ledger of schema 4', async () => {
    const path = join(dir, 'schema-4.db');
    const records = generateRecords(3_000, { seed: 8, start: START, spanMs: 4 * DAY + 5 * HOUR, payloadShare: 0 });
    const store = await createSqliteLedgerStore({ path });
    await store.migrate();
    await store.append(records);
    await store.close();
    // Back to what schema 4 left: rollups with sums only.
    const db = new Database(path);
    dropHistogramColumns(db, ['rollups_hourly', 'rollups_daily']);
    db.exec('DELETE FROM schema_migrations WHERE version > 4');
    db.close();

    const upgraded = await createSqliteLedgerStore({ path });
    await upgraded.migrate();
    const later = generateRecords(500, { seed: 9, start: START + 3 * DAY, spanMs: 3 * DAY, idPrefix: 'later', payloadShare: 0 });
    await upgraded.append(later);
    const all = [...records, ...later];
    for (const query of [
      { ...ALL_TIME, groupBy: ['day', 'key', 'target'], histograms: true },
      { ...ALL_TIME, groupBy: ['hour', 'task'], histograms: true },
      { ...ALL_TIME, groupBy: [], histograms: true },
      { since: START + 5 * HOUR, until: START + 5 * DAY + 7 * HOUR, groupBy: ['month', 'target', 'local'], histograms: true },
    ] satisfies UsageQuery[]) {
      const expected = bruteForceUsage(all, query);
      expect(expected.some((row) => row.latencyBuckets?.some((count) => count > 0))).toBe(true);
      expectSameUsage(await upgraded.usage(query), expected, JSON.stringify(query.groupBy));
    }
    await upgraded.close();
  });

  it('works in memory', async () => {
    const store = await createSqliteLedgerStore({ path: ':memory:' });
    await store.migrate();
    await store.append(generateRecords(10, { seed: 2, start: START, spanMs: 3_600_000 }));
    expect(await store.records({})).toHaveLength(10);
    await store.close();
  });

  it('rejects, naming the file, when the database cannot be opened', async () => {
    const notADirectory = join(dir, 'a-file');
    await writeFile(notADirectory, '');
    const opening = createSqliteLedgerStore({ path: join(notADirectory, 'tollgate.db') });
    await expect(opening).rejects.toBeInstanceOf(LedgerStoreError);
    await expect(opening).rejects.toThrow(/cannot open .*a-file/);
  });

  it('turns a failure inside the worker into a rejected call, and keeps working', async () => {
    const store = await createSqliteLedgerStore({ path: ':memory:' });
    // Not migrated: the worker's statement fails on a missing table.
    await expect(store.records({})).rejects.toThrow(/records: no such table: records/);
    await store.migrate();
    const [record] = generateRecords(1, { seed: 3, start: START, spanMs: 1 });
    const broken = { ...record, latencyMs: null } as unknown as NonNullable<typeof record>; // violates NOT NULL
    const failing = store.append([broken]);
    await expect(failing).rejects.toMatchObject({ name: 'LedgerStoreError', operation: 'append', code: 'SQLITE_CONSTRAINT_NOTNULL' });
    expect(await store.records({})).toEqual([]); // the batch's transaction rolled back
    await store.close();
  });

  it('rejects a batch that cannot cross to the worker, and keeps working', async () => {
    const store = await createSqliteLedgerStore({ path: ':memory:' });
    await store.migrate();
    const [record] = generateRecords(1, { seed: 4, start: START, spanMs: 1 });
    const uncloneable = { ...record, prompt: { callback: () => 'no' } } as NonNullable<typeof record>;
    await expect(store.append([uncloneable])).rejects.toMatchObject({ name: 'LedgerStoreError', operation: 'append' });
    await store.append(generateRecords(3, { seed: 5, start: START, spanMs: 1 }));
    expect(await store.records({})).toHaveLength(3);
    await store.close();
  });
});
