import pg from 'pg';
import type { LedgerRecord } from '../ledger-record.js';
import type { DrillQuery, DrillRecord, LedgerStore, RecordQuery, StoredKey, TargetEvent, TargetEventQuery, UsageQuery, UsageRow } from '../ledger-store.js';
import { buildDrillsSql, drillToRow, insertDrillSql, rowToDrill, type DrillRow } from './drill-row.js';
import { buildRecordsSql, RECORD_COLUMNS, recordToRow, rowToRecord, type LedgerRecordRow } from './ledger-record-row.js';
import { LedgerStoreError } from './ledger-store-error.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { addExcludedMeasures, DAILY, foldByDay, foldRecords, HOURLY, pushMeasureValues, rollupKeyColumns, ROLLUP_MEASURES, type RollupDelta, type RollupTable } from './rollup.js';
import { keyToRow, rowToKey, STORED_KEY_COLUMNS, type StoredKeyRow } from './stored-key-row.js';
import { buildTargetEventsSql, eventToRow, rowToEvent, TARGET_EVENT_COLUMNS, type TargetEventRow } from './target-event-row.js';
import { buildUsageSql, toUsageRow, type UsageSqlDialect } from './usage-sql.js';

export interface PostgresLedgerStoreOptions {
  /** `postgres://user:password@host:5432/database`. */
  readonly url: string;
  /** Connections kept open. Writes are one batch at a time; the rest serve reports. Default 4. */
  readonly poolSize?: number;
}

/**
 * The shared ledger for several gateway processes. Connects lazily: the first call (normally
 * `migrate()`) is the first to fail when the server is unreachable.
 */
export function createPostgresLedgerStore(options: PostgresLedgerStoreOptions): LedgerStore {
  return new PostgresLedgerStore(options);
}

/** Any number, so all processes migrating one database at once take turns. */
const MIGRATION_LOCK = 7_461_027_313;

export const POSTGRES_USAGE_DIALECT: UsageSqlDialect = {
  month: (epochMs) => `to_char(to_timestamp(${epochMs} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')`,
  placeholder: (n) => `$${n}`,
  bool: (value) => value,
};

/** The array type each `records` column is sent as (one array per column, rows unnested server-side). */
const RECORD_ARRAY_TYPES: Record<(typeof RECORD_COLUMNS)[number], string> = {
  id: 'text[]',
  ts: 'bigint[]',
  key_id: 'text[]',
  team: 'text[]',
  dialect: 'text[]',
  endpoint: 'text[]',
  stream: 'boolean[]',
  requested_model: 'text[]',
  task: 'text[]',
  priority: 'text[]',
  tier: 'text[]',
  rule: 'text[]',
  route_reason: 'text[]',
  fallback_reason: 'text[]',
  provider: 'text[]',
  model: 'text[]',
  local: 'boolean[]',
  cache: 'text[]',
  input_uncached: 'integer[]',
  cache_read: 'integer[]',
  cache_write: 'integer[]',
  output_text: 'integer[]',
  output_reasoning: 'integer[]',
  tokens_estimated: 'boolean[]',
  cost_usd: 'double precision[]',
  reference_model: 'text[]',
  reference_cost_usd: 'double precision[]',
  savings_usd: 'double precision[]',
  ttft_ms: 'double precision[]',
  latency_ms: 'double precision[]',
  generation_ms: 'double precision[]',
  outcome: 'text[]',
  http_status: 'integer[]',
  error_code: 'text[]',
  attempts: 'text[]',
  warnings: 'text[]',
  prompt: 'text[]',
  response: 'text[]',
};

const unnestOf = (types: readonly string[]): string => `unnest(${types.map((type, index) => `$${index + 1}::${type}`).join(', ')})`;

/** A whole batch in one statement, whatever its size (no 65,535-parameter ceiling); RETURNING names the rows that were new. */
const INSERT_RECORDS =
  `INSERT INTO records (${RECORD_COLUMNS.join(', ')}) SELECT * FROM ${unnestOf(RECORD_COLUMNS.map((column) => RECORD_ARRAY_TYPES[column]))} ` +
  'ON CONFLICT (id) DO NOTHING RETURNING id';

const ROLLUP_KEY_ARRAY_TYPES = ['bigint[]', 'text[]', 'text[]', 'text[]', 'text[]', 'text[]', 'text[]', 'boolean[]'];

/**
 * Adds a batch's deltas to a rollup table in one statement. Measures travel as double precision;
 * integer columns take them by assignment cast (exact for whole numbers).
 */
function upsertRollups(table: RollupTable): string {
  const keys = rollupKeyColumns(table);
  return (
    `INSERT INTO ${table.name} (${[...keys, ...ROLLUP_MEASURES].join(', ')}) ` +
    `SELECT * FROM ${unnestOf([...ROLLUP_KEY_ARRAY_TYPES, ...ROLLUP_MEASURES.map(() => 'double precision[]')])} ` +
    `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${addExcludedMeasures(table)}`
  );
}

const UPSERT_HOURLY = upsertRollups(HOURLY);
const UPSERT_DAILY = upsertRollups(DAILY);
const ROLLUP_WIDTH = ROLLUP_KEY_ARRAY_TYPES.length + ROLLUP_MEASURES.length;

/** Events keep their order: WITH ORDINALITY numbers the unnested rows, and bigserial ids follow it. */
const INSERT_TARGET_EVENTS =
  `INSERT INTO target_events (${TARGET_EVENT_COLUMNS.join(', ')}) ` +
  `SELECT ${TARGET_EVENT_COLUMNS.join(', ')} FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[]) ` +
  `WITH ORDINALITY AS e(${TARGET_EVENT_COLUMNS.join(', ')}, n) ORDER BY n`;

class PostgresLedgerStore implements LedgerStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(options: PostgresLedgerStoreOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 4,
      // bigint columns (timestamps, counts) as JS numbers: every value we store is far below 2^53.
      types: { getTypeParser: (oid, format) => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) },
    });
    // An idle connection that breaks (server restart) is dropped by the pool; the next query opens
    // a new one and reports its own error. Without a listener the event would crash the process.
    this.pool.on('error', () => undefined);
  }

  migrate(): Promise<void> {
    return this.transaction('migrate', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      const newest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
      const unknown = [...applied].filter((version) => version > newest);
      if (unknown.length > 0) {
        throw new Error(`The ledger database has schema version ${Math.max(...unknown)}, newer than this Tollgate knows (${newest}); upgrade Tollgate.`);
      }
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      }
    });
  }

  async append(records: readonly LedgerRecord[]): Promise<void> {
    if (records.length === 0) return;
    // RETURNING cannot say which of two rows with one id was kept: the batch keeps the first.
    const byId = new Map<string, LedgerRecord>();
    for (const record of records) if (!byId.has(record.id)) byId.set(record.id, record);
    await this.transaction('append', async (client) => {
      const rows = [...byId.values()].map((record) => recordToRow(record, (value) => value).map(withoutNul));
      const inserted = await client.query<{ id: string }>(INSERT_RECORDS, columnsOf(rows, RECORD_COLUMNS.length));
      if (inserted.rows.length === 0) return;
      const hourly = foldRecords(inserted.rows.map((row) => byId.get(row.id)).filter((record) => record !== undefined));
      // Hourly rows first, then daily, each in key order: every writer locks rows in the same order.
      await client.query(UPSERT_HOURLY, columnsOf(hourly.map(rollupValues), ROLLUP_WIDTH));
      await client.query(UPSERT_DAILY, columnsOf(foldByDay(hourly).map(rollupValues), ROLLUP_WIDTH));
    });
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return this.run('usage', async () => {
      const { sql, params, dimensions, histograms } = buildUsageSql(query, POSTGRES_USAGE_DIALECT);
      const { rows } = await this.pool.query<Record<string, unknown>>(sql, params);
      return rows.map((row) => toUsageRow(row, dimensions, histograms));
    });
  }

  records(query: RecordQuery): Promise<LedgerRecord[]> {
    return this.run('records', async () => {
      const { sql, params } = buildRecordsSql(query, (n) => `$${n}`);
      const { rows } = await this.pool.query<LedgerRecordRow>(sql, params);
      return rows.map(rowToRecord);
    });
  }

  prunePayloads(before: number): Promise<number> {
    return this.run('prunePayloads', async () => {
      const sql = 'UPDATE records SET prompt = NULL, response = NULL WHERE ts < $1 AND (prompt IS NOT NULL OR response IS NOT NULL)';
      const result = await this.pool.query(sql, [before]);
      return result.rowCount ?? 0;
    });
  }

  insertKey(key: StoredKey): Promise<void> {
    return this.run('insertKey', async () => {
      const values = STORED_KEY_COLUMNS.map((_, index) => `$${index + 1}`).join(', ');
      await this.pool.query(`INSERT INTO api_keys (${STORED_KEY_COLUMNS.join(', ')}) VALUES (${values})`, keyToRow(key));
    });
  }

  listKeys(): Promise<StoredKey[]> {
    return this.run('listKeys', async () => {
      const { rows } = await this.pool.query<StoredKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
      return rows.map(rowToKey);
    });
  }

  findKeyByHash(hash: string): Promise<StoredKey | undefined> {
    return this.run('findKeyByHash', async () => {
      const { rows } = await this.pool.query<StoredKeyRow>('SELECT * FROM api_keys WHERE hash = $1', [hash]);
      return rows[0] === undefined ? undefined : rowToKey(rows[0]);
    });
  }

  revokeKey(id: string, at: number): Promise<boolean> {
    return this.run('revokeKey', async () => {
      // Revoking twice keeps the first time: that is when the key stopped working.
      const result = await this.pool.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [at, id]);
      return (result.rowCount ?? 0) > 0;
    });
  }

  appendTargetEvents(events: readonly TargetEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.run('appendTargetEvents', async () => {
      const rows = events.map((event) => eventToRow(event, (value) => value).map(withoutNul));
      await this.pool.query(INSERT_TARGET_EVENTS, columnsOf(rows, TARGET_EVENT_COLUMNS.length));
    });
  }

  targetEvents(query: TargetEventQuery): Promise<TargetEvent[]> {
    return this.run('targetEvents', async () => {
      const { sql, params } = buildTargetEventsSql(query, (n) => `$${n}`);
      const { rows } = await this.pool.query<TargetEventRow>(sql, params);
      return rows.map(rowToEvent);
    });
  }

  appendDrill(drill: DrillRecord): Promise<void> {
    return this.run('appendDrill', async () => {
      await this.pool.query(insertDrillSql((n) => `$${n}`), drillToRow(drill, (value) => value).map(withoutNul));
    });
  }

  drills(query: DrillQuery): Promise<DrillRecord[]> {
    return this.run('drills', async () => {
      const { sql, params } = buildDrillsSql(query, (n) => `$${n}`);
      const { rows } = await this.pool.query<DrillRow>(sql, params);
      return rows.map(rowToDrill);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Runs one operation, reporting any failure as a LedgerStoreError that names it. */
  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new LedgerStoreError(operation, `postgres ledger store: ${operation} after close()`);
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
      throw new LedgerStoreError(operation, `postgres ledger store: ${operation}: ${message}`, code === undefined ? { cause: error } : { cause: error, code });
    }
  }

  private transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(operation, async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true; // the connection itself failed: do not hand it out again
        });
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }
}

/** Rows of equal length as one array per column: what `unnest($1::t[], $2::t[], …)` takes. */
function columnsOf(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column]));
}

function rollupValues(delta: RollupDelta): unknown[] {
  const { key } = delta;
  return pushMeasureValues<unknown>([key.period, key.keyId, key.team, key.task, key.tier, key.provider, key.model, key.local], delta);
}

/**
 * Postgres text cannot hold U+0000 (SQLite can). A client-supplied string such as the requested
 * model could carry one and make the whole batch fail on every retry; it is stored as U+FFFD.
 */
function withoutNul<T>(value: T): T | string {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}
