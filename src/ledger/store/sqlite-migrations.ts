import { histogramMigrationSql } from './histogram-migration.js';
import type { Migration } from './migration.js';

/** The SQLite schema. Each entry has a twin in postgres-migrations.ts. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, hourly rollups, api keys',
    sql: `
      CREATE TABLE records (
        id TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        key_id TEXT,
        team TEXT,
        dialect TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        stream INTEGER NOT NULL,
        requested_model TEXT,
        task TEXT,
        priority TEXT,
        tier TEXT,
        rule TEXT,
        route_reason TEXT,
        fallback_reason TEXT,
        provider TEXT,
        model TEXT,
        local INTEGER NOT NULL,
        cache TEXT,
        input_uncached INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        output_text INTEGER NOT NULL,
        output_reasoning INTEGER NOT NULL,
        tokens_estimated INTEGER NOT NULL,
        cost_usd REAL,
        reference_model TEXT,
        reference_cost_usd REAL,
        savings_usd REAL,
        ttft_ms REAL,
        latency_ms REAL NOT NULL,
        generation_ms REAL,
        outcome TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        error_code TEXT,
        attempts TEXT NOT NULL,
        warnings TEXT NOT NULL,
        prompt TEXT,
        response TEXT
      );
      CREATE INDEX records_ts ON records (ts);
      CREATE INDEX records_key_id_ts ON records (key_id, ts);

      CREATE TABLE rollups_hourly (
        hour INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        team TEXT NOT NULL,
        task TEXT NOT NULL,
        tier TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        local INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        partial INTEGER NOT NULL,
        client_aborted INTEGER NOT NULL,
        fallbacks INTEGER NOT NULL,
        cache_hits INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        input_uncached INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        output_text INTEGER NOT NULL,
        output_reasoning INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        cost_unknown INTEGER NOT NULL,
        reference_cost_usd REAL NOT NULL,
        reference_unknown INTEGER NOT NULL,
        savings_usd REAL NOT NULL,
        latency_ms_sum REAL NOT NULL,
        ttft_ms_sum REAL NOT NULL,
        ttft_count INTEGER NOT NULL,
        generation_ms_sum REAL NOT NULL,
        generation_output_tokens INTEGER NOT NULL,
        PRIMARY KEY (hour, key_id, team, task, tier, provider, model, local)
      ) WITHOUT ROWID;
      -- Per-key spend (budgets) over a day or a month without walking every key's rows.
      CREATE INDEX rollups_hourly_key_id_hour ON rollups_hourly (key_id, hour);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        team TEXT,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        budget TEXT,
        limits TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'daily rollups',
    // Long windows read whole UTC days from here: 24 times fewer rows than rollups_hourly.
    // Backfilled from rollups_hourly, which holds every record already stored.
    sql: `
      CREATE TABLE rollups_daily (
        day INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        team TEXT NOT NULL,
        task TEXT NOT NULL,
        tier TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        local INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        partial INTEGER NOT NULL,
        client_aborted INTEGER NOT NULL,
        fallbacks INTEGER NOT NULL,
        cache_hits INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        input_uncached INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        output_text INTEGER NOT NULL,
        output_reasoning INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        cost_unknown INTEGER NOT NULL,
        reference_cost_usd REAL NOT NULL,
        reference_unknown INTEGER NOT NULL,
        savings_usd REAL NOT NULL,
        latency_ms_sum REAL NOT NULL,
        ttft_ms_sum REAL NOT NULL,
        ttft_count INTEGER NOT NULL,
        generation_ms_sum REAL NOT NULL,
        generation_output_tokens INTEGER NOT NULL,
        PRIMARY KEY (day, key_id, team, task, tier, provider, model, local)
      ) WITHOUT ROWID;
      CREATE INDEX rollups_daily_key_id_day ON rollups_daily (key_id, day);

      INSERT INTO rollups_daily
      SELECT hour - hour % 86400000, key_id, team, task, tier, provider, model, local,
        sum(requests), sum(ok), sum(errors), sum(partial), sum(client_aborted), sum(fallbacks), sum(cache_hits), sum(estimated),
        sum(input_uncached), sum(cache_read), sum(cache_write), sum(output_text), sum(output_reasoning),
        sum(cost_usd), sum(cost_unknown), sum(reference_cost_usd), sum(reference_unknown), sum(savings_usd),
        sum(latency_ms_sum), sum(ttft_ms_sum), sum(ttft_count), sum(generation_ms_sum), sum(generation_output_tokens)
      FROM rollups_hourly
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
    `,
  },
  {
    version: 3,
    name: 'drop the records (key_id, ts) index',
    // Every record paid for this index on the write path (~20% of the writer's time per record),
    // for one rare query: records of one key, which the ts index answers well enough.
    sql: `DROP INDEX IF EXISTS records_key_id_ts;`,
  },
  {
    version: 4,
    name: 'target events',
    // The monitor's up/down transitions: a few rows per target per day. `id` keeps the order of
    // events written in the same millisecond. IF NOT EXISTS: safe to re-run on a ledger whose
    // schema_migrations was rolled back by hand (as the upgrade tests do).
    sql: `
      CREATE TABLE IF NOT EXISTS target_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL,
        local INTEGER NOT NULL,
        source TEXT,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS target_events_target_ts ON target_events (target, ts, id);
      CREATE INDEX IF NOT EXISTS target_events_ts ON target_events (ts);
    `,
  },
  {
    version: 5,
    name: 'latency and ttft histograms in the rollups',
    // A count column per bucket of latency-histogram.ts' layout in both rollup tables, for p50/p95
    // without reading records; backfilled from the records (see histogram-migration.ts).
    sql: histogramMigrationSql('sqlite'),
  },
  {
    version: 6,
    name: 'fallback drills',
    // One row per `tollgate drill`: when, whether it passed and why not, and its requests (JSON,
    // read whole by the trial scorecard, never queried into).
    sql: `
      CREATE TABLE IF NOT EXISTS drills (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        ended_by TEXT NOT NULL,
        reason TEXT,
        local_targets TEXT NOT NULL,
        requests TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS drills_started_at ON drills (started_at);
    `,
  },
];
