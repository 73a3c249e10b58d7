import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../test-support/postgres.js';
import type { LedgerStore, UsageQuery } from '../ledger-store.js';
import { openLedgerStore } from './open-ledger-store.js';
import { createPostgresLedgerStore } from './postgres-ledger-store.js';
import { LATENCY_BUCKET_COLUMNS, TTFT_BUCKET_COLUMNS } from './rollup.js';
import { bruteForceUsage, expectSameUsage } from './testing/brute-force-usage.js';
import { generateRecords } from './testing/generate-records.js';
import { describeLedgerStore } from './testing/ledger-store-suite.js';

/** Takes migration 5's histogram columns out of a rollup table: the schema before it. */
function dropHistogramColumns(table: string): string {
  return `ALTER TABLE ${table} ${[...LATENCY_BUCKET_COLUMNS, ...TTFT_BUCKET_COLUMNS].map((column) => `DROP COLUMN ${column}`).join(', ')}`;
}

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

describeLedgerStore('postgres', {
  fresh: async () => {
    const url = await server.newDatabase();
    const open = async (): Promise<LedgerStore> => {
      const store = createPostgresLedgerStore({ url });
      await store.migrate();
      return store;
    };
    return { store: await open(), reopen: open };
  },
});

describe('Postgres ledger store', () => {
  const START = Date.UTC(2026, 10, 23);
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const ALL_TIME = { since: 0, until: Date.UTC(2100, 0, 1) };

  it('is what openLedgerStore gives for a postgres:// url, migrated', async () => {
    const url = await server.newDatabase();
    const store = await openLedgerStore(url);
    expect(store.kind).toBe('postgres');
    await store.append(generateRecords(5, { seed: 1, start: START, spanMs: 1_000 }));
    expect(await store.records({})).toHaveLength(5);
    await store.close();
  });

  it('lets several processes migrate and append the same batches at once without counting twice', async () => {
    const url = await server.newDatabase();
    const stores = [createPostgresLedgerStore({ url }), createPostgresLedgerStore({ url }), createPostgresLedgerStore({ url })];
    await Promise.all(stores.map((store) => store.migrate()));
    const records = generateRecords(3_000, { seed: 2, start: START, spanMs: 6 * 3_600_000 });
    const batches = Array.from({ length: 6 }, (_, index) => records.slice(index * 500, index * 500 + 500));
    // Every store writes every batch, each in its own order: overlapping transactions on the same rows.
    await Promise.all(stores.map(async (store, offset) => {
      for (let index = 0; index < batches.length; index++) await store.append(batches[(index + offset * 2) % batches.length] ?? []);
    }));
    const query = { ...ALL_TIME, groupBy: ['hour', 'key', 'target'] } as const;
    expectSameUsage(await stores[0]!.usage(query), bruteForceUsage(records, query));
    await Promise.all(stores.map((store) => store.close()));
  });

  it('backfills daily rollups from the hourly ones when upgrading a ledger of schema 1', async () => {
    const url = await server.newDatabase();
    const records = generateRecords(2_000, { seed: 6, start: START, spanMs: 4 * DAY + 5 * HOUR, payloadShare: 0 });
    const store = createPostgresLedgerStore({ url });
    await store.migrate();
    await store.append(records);
    await store.close();
    // Back to what schema 1 left: records and hourly rollups, no daily ones.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DROP TABLE rollups_daily; DELETE FROM schema_migrations WHERE version > 1');
    await client.query(dropHistogramColumns('rollups_hourly'));
    await client.end();

    const upgraded = createPostgresLedgerStore({ url });
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
    const url = await server.newDatabase();
    const records = generateRecords(3_000, { seed: 8, start: START, spanMs: 4 * DAY + 5 * HOUR, payloadShare: 0 });
    const store = createPostgresLedgerStore({ url });
    await store.migrate();
    await store.append(records);
    await store.close();
    // Back to what schema 4 left: rollups with sums only.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`${dropHistogramColumns('rollups_hourly')}; ${dropHistogramColumns('rollups_daily')}; DELETE FROM schema_migrations WHERE version > 4`);
    await client.end();

    const upgraded = createPostgresLedgerStore({ url });
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

  it('stores a NUL in client-supplied text as U+FFFD instead of failing the batch', async () => {
    const store = createPostgresLedgerStore({ url: await server.newDatabase() });
    await store.migrate();
    const [record] = generateRecords(1, { seed: 3, start: START, spanMs: 1 });
    await store.append([{ ...record!, requestedModel: 'gpt\u0000-4o', prompt: 'nul \u0000 in json is escaped' }]);
    const [read] = await store.records({});
    expect(read?.requestedModel).toBe('gpt\uFFFD-4o');
    expect(read?.prompt).toBe('nul \u0000 in json is escaped');
    await store.close();
  });

  it('reports numbers as numbers', async () => {
    const url = await server.newDatabase();
    const store = createPostgresLedgerStore({ url });
    await store.migrate();
    await store.append(generateRecords(50, { seed: 4, start: START, spanMs: 3_600_000 }));
    const [row] = await store.usage({ ...ALL_TIME, groupBy: [], histograms: true });
    const { latencyBuckets = [], ttftBuckets = [], ...sums } = row!;
    for (const value of Object.values({ ...sums, group: undefined, tokens: undefined, ...row?.tokens, ...latencyBuckets, ...ttftBuckets })) {
      if (value !== undefined) expect(typeof value).toBe('number');
    }
    expect(latencyBuckets.length + ttftBuckets.length).toBe(48);
    const [record] = await store.records({});
    expect(typeof record?.ts).toBe('number');
    await store.close();
    // The rollup columns are bigint / double precision, never numeric (which pg returns as strings).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ data_type: string }>("SELECT DISTINCT data_type FROM information_schema.columns WHERE table_name IN ('rollups_hourly', 'rollups_daily')");
    await client.end();
    expect(rows.map((r) => r.data_type).sort()).toEqual(['bigint', 'boolean', 'double precision', 'text']);
  });
});
