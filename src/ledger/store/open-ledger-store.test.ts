import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedgerStore, parseLedgerUrl } from './open-ledger-store.js';
import { generateRecords } from './testing/generate-records.js';

const dir = await mkdtemp(join(tmpdir(), 'tollgate-open-ledger-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseLedgerUrl', () => {
  it.each([
    ['sqlite:./data/tollgate.db', { kind: 'sqlite', path: './data/tollgate.db' }],
    ['sqlite:///var/lib/tollgate/ledger.db', { kind: 'sqlite', path: '/var/lib/tollgate/ledger.db' }],
    ['sqlite:data/x.db', { kind: 'sqlite', path: 'data/x.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    [':memory:', { kind: 'sqlite', path: ':memory:' }],
    ['./data/tollgate.db', { kind: 'sqlite', path: './data/tollgate.db' }],
    ['/abs/ledger.db', { kind: 'sqlite', path: '/abs/ledger.db' }],
    ['postgres://u:p@db:5432/tollgate', { kind: 'postgres', url: 'postgres://u:p@db:5432/tollgate' }],
    ['postgresql://db/tollgate', { kind: 'postgres', url: 'postgresql://db/tollgate' }],
  ])('%s', (url, expected) => {
    expect(parseLedgerUrl(url)).toEqual(expected);
  });

  it('refuses other schemes and an empty sqlite path', () => {
    expect(() => parseLedgerUrl('mysql://db/x')).toThrow(/unsupported scheme 'mysql:'/);
    expect(() => parseLedgerUrl('sqlite:')).toThrow(/names no file/);
  });
});

describe('openLedgerStore', () => {
  it('opens a SQLite file, migrated and ready', async () => {
    const store = await openLedgerStore(`sqlite:${join(dir, 'sub', 'ledger.db')}`);
    expect(store.kind).toBe('sqlite');
    await store.append(generateRecords(3, { seed: 1, start: Date.UTC(2026, 10, 23), spanMs: 1_000 }));
    expect(await store.records({})).toHaveLength(3);
    await store.close();
  });

  it('leaves the schema alone when told to', async () => {
    const store = await openLedgerStore(':memory:', { migrate: false });
    await expect(store.records({})).rejects.toThrow(/no such table/);
    await store.close();
  });
});
