import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { LedgerRecord } from '../ledger-record.js';
import type { DrillQuery, DrillRecord, LedgerStore, RecordQuery, StoredKey, TargetEvent, TargetEventQuery, UsageQuery, UsageRow } from '../ledger-store.js';
import { buildDrillsSql, drillToRow, insertDrillSql, rowToDrill, type DrillRow } from './drill-row.js';
import { buildRecordsSql, recordToRow, rowToRecord, RECORD_COLUMNS, type LedgerRecordRow } from './ledger-record-row.js';
import { addExcludedMeasures, DAILY, foldByDay, foldRecords, HOURLY, pushMeasureValues, rollupKeyColumns, ROLLUP_MEASURES, type RollupDelta, type RollupTable } from './rollup.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { keyToRow, rowToKey, STORED_KEY_COLUMNS, type StoredKeyRow } from './stored-key-row.js';
import { buildTargetEventsSql, eventToRow, rowToEvent, TARGET_EVENT_COLUMNS, type TargetEventRow } from './target-event-row.js';
import { buildUsageSql, toUsageRow, type UsageSqlDialect } from './usage-sql.js';

/** LedgerStore's methods as synchronous calls: what the worker thread runs for the async store. */
export type SyncLedgerStore = {
  [M in Exclude<keyof LedgerStore, 'kind'>]: LedgerStore[M] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export const SQLITE_USAGE_DIALECT: UsageSqlDialect = {
  month: (epochMs) => `strftime('%Y-%m', ${epochMs} / 1000, 'unixepoch')`,
  placeholder: () => '?',
  bool: sqliteBool,
};

function sqliteBool(value: boolean): number {
  return value ? 1 : 0;
}

/**
 * Opens (creating if missing, with its directory) a ledger database file with better-sqlite3.
 * Every call blocks: this runs inside the store's worker thread, never on the event loop.
 */
export function openSqliteLedgerDatabase(path: string): SyncLedgerStore {
  return new SqliteLedgerDatabase(path);
}

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

const INSERT_RECORD = `INSERT INTO records (${RECORD_COLUMNS.join(', ')}) VALUES (${placeholders(RECORD_COLUMNS.length)}) ON CONFLICT (id) DO NOTHING`;

/** Adds one delta to its row of a rollup table, creating the row if need be. */
function upsertRollup(table: RollupTable): string {
  const keys = rollupKeyColumns(table);
  return (
    `INSERT INTO ${table.name} (${[...keys, ...ROLLUP_MEASURES].join(', ')}) ` +
    `VALUES (${placeholders(keys.length + ROLLUP_MEASURES.length)}) ` +
    `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${addExcludedMeasures(table)}`
  );
}

const UPSERT_HOURLY = upsertRollup(HOURLY);
const UPSERT_DAILY = upsertRollup(DAILY);
const INSERT_TARGET_EVENT = `INSERT INTO target_events (${TARGET_EVENT_COLUMNS.join(', ')}) VALUES (${placeholders(TARGET_EVENT_COLUMNS.length)})`;

class SqliteLedgerDatabase implements SyncLedgerStore {
  private readonly db: Database.Database;
  /** Prepared statements by SQL text; the dynamic ones (usage, records) come in a few shapes only. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly appendInTransaction: (records: readonly LedgerRecord[]) => void;
  private readonly appendEventsInTransaction: (events: readonly TargetEvent[]) => void;

  constructor(path: string) {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // WAL: readers never wait for the writer. NORMAL: a commit is durable once the WAL is
    // checkpointed; a power cut may lose the last moments, a process crash loses nothing.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Another process (the CLI) may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    // Batches land on scattered pages (the ts and key indexes, this hour's rollup rows): a larger
    // page cache and a checkpoint every ~40 MiB of WAL rather than every 4 MiB measured 25–35% more
    // records/s (see sqlite-large-ledger.test.ts). 4 MiB rather than 64: the cache is resident
    // memory of the gateway, and ingest stays at twice its target. The WAL file is cut back to 64 MiB after a checkpoint.
    this.db.pragma('cache_size = -4096');
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('journal_size_limit = 67108864');
    this.appendInTransaction = this.db.transaction((records: readonly LedgerRecord[]) => {
      const insert = this.statement(INSERT_RECORD);
      const inserted = records.filter((record) => insert.run(recordToRow(record, sqliteBool)).changes > 0);
      const hourly = foldRecords(inserted);
      const upsertHourly = this.statement(UPSERT_HOURLY);
      for (const delta of hourly) upsertHourly.run(rollupValues(delta));
      const upsertDaily = this.statement(UPSERT_DAILY);
      for (const delta of foldByDay(hourly)) upsertDaily.run(rollupValues(delta));
    });
    this.appendEventsInTransaction = this.db.transaction((events: readonly TargetEvent[]) => {
      const insert = this.statement(INSERT_TARGET_EVENT);
      for (const event of events) insert.run(eventToRow(event, sqliteBool));
    });
  }

  migrate(): void {
    const migrate = this.db.transaction(() => {
      this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
      const newest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
      const unknown = [...applied].filter((version) => version > newest);
      if (unknown.length > 0) {
        throw new Error(`The ledger database has schema version ${Math.max(...unknown)}, newer than this Tollgate knows (${newest}); upgrade Tollgate.`);
      }
      const record = this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.db.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
      }
    });
    // IMMEDIATE takes the write lock first, so two processes starting at once cannot both migrate.
    migrate.immediate();
  }

  append(records: readonly LedgerRecord[]): void {
    if (records.length > 0) this.appendInTransaction(records);
  }

  usage(query: UsageQuery): UsageRow[] {
    const { sql, params, dimensions, histograms } = buildUsageSql(query, SQLITE_USAGE_DIALECT);
    const rows = this.statement(sql).all(params) as Record<string, unknown>[];
    return rows.map((row) => toUsageRow(row, dimensions, histograms));
  }

  records(query: RecordQuery): LedgerRecord[] {
    const { sql, params } = buildRecordsSql(query, () => '?');
    return (this.statement(sql).all(params) as LedgerRecordRow[]).map(rowToRecord);
  }

  prunePayloads(before: number): number {
    const sql = 'UPDATE records SET prompt = NULL, response = NULL WHERE ts < ? AND (prompt IS NOT NULL OR response IS NOT NULL)';
    return this.statement(sql).run(before).changes;
  }

  insertKey(key: StoredKey): void {
    this.statement(`INSERT INTO api_keys (${STORED_KEY_COLUMNS.join(', ')}) VALUES (${placeholders(STORED_KEY_COLUMNS.length)})`).run(keyToRow(key));
  }

  listKeys(): StoredKey[] {
    return (this.statement('SELECT * FROM api_keys ORDER BY created_at, id').all() as StoredKeyRow[]).map(rowToKey);
  }

  findKeyByHash(hash: string): StoredKey | undefined {
    const row = this.statement('SELECT * FROM api_keys WHERE hash = ?').get(hash) as StoredKeyRow | undefined;
    return row === undefined ? undefined : rowToKey(row);
  }

  revokeKey(id: string, at: number): boolean {
    // Revoking twice keeps the first time: that is when the key stopped working.
    return this.statement('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at, id).changes > 0;
  }

  appendTargetEvents(events: readonly TargetEvent[]): void {
    if (events.length > 0) this.appendEventsInTransaction(events);
  }

  targetEvents(query: TargetEventQuery): TargetEvent[] {
    const { sql, params } = buildTargetEventsSql(query, () => '?');
    return (this.statement(sql).all(params) as TargetEventRow[]).map(rowToEvent);
  }

  appendDrill(drill: DrillRecord): void {
    this.statement(insertDrillSql(() => '?')).run(drillToRow(drill, sqliteBool));
  }

  drills(query: DrillQuery): DrillRecord[] {
    const { sql, params } = buildDrillsSql(query, () => '?');
    return (this.statement(sql).all(params) as DrillRow[]).map(rowToDrill);
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** An upsert's values: key columns, then measures, in the order of upsertRollup's. */
function rollupValues(delta: RollupDelta): (string | number)[] {
  const { key } = delta;
  return pushMeasureValues([key.period, key.keyId, key.team, key.task, key.tier, key.provider, key.model, sqliteBool(key.local)], delta);
}
