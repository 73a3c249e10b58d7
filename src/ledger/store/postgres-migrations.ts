import { histogramMigrationSql } from './histogram-migration.js';
import type { Migration } from './migration.js';

/**
 * The PostgreSQL schema. Each entry has a twin in sqlite-migrations.ts. Record ids and rollup key
 * columns use the "C" collation so that results sort the same way on every server (and as in
 * SQLite), whatever the database's locale. Sums that are counts are bigint, money and milliseconds double precision.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, hourly rollups, api keys',
    sql: `
      CREATE TABLE records (
        id text COLLATE "C" PRIMARY KEY,
        ts bigint NOT NULL,
        key_id text,
        team text,
        dialect text NOT NULL,
        endpoint text NOT NULL,
        stream boolean NOT NULL,
        requested_model text,
        task text,
        priority text,
        tier text,
        rule text,
        route_reason text,
        fallback_reason text,
        provider text,
        model text,
        local boolean NOT NULL,
        cache text,
        input_uncached integer NOT NULL,
        cache_read integer NOT NULL,
        cache_write integer NOT NULL,
        output_text integer NOT NULL,
        output_reasoning integer NOT NULL,
        tokens_estimated boolean NOT NULL,
        cost_usd double precision,
        reference_model text,
        reference_cost_usd double precision,
        savings_usd double precision,
        ttft_ms double precision,
        latency_ms double precision NOT NULL,
        generation_ms double precision,
        outcome text NOT NULL,
        http_status integer NOT NULL,
        error_code text,
        attempts text NOT NULL,
        warnings text NOT NULL,
        prompt text,
        response text
      );
      CREATE INDEX records_ts ON records (ts);
      CREATE INDEX records_key_id_ts ON records (key_id, ts);

      CREATE TABLE rollups_hourly (
        hour bigint NOT NULL,
        key_id text COLLATE "C" NOT NULL,
        team text COLLATE "C" NOT NULL,
        task text COLLATE "C" NOT NULL,
        tier text COLLATE "C" NOT NULL,
        provider text COLLATE "C" NOT NULL,
        model text COLLATE "C" NOT NULL,
        local boolean NOT NULL,
        requests bigint NOT NULL,
        ok bigint NOT NULL,
        errors bigint NOT NULL,
        partial bigint NOT NULL,
        client_aborted bigint NOT NULL,
        fallbacks bigint NOT NULL,
        cache_hits bigint NOT NULL,
        estimated bigint NOT NULL,
        input_uncached bigint NOT NULL,
        cache_read bigint NOT NULL,
        cache_write bigint NOT NULL,
        output_text bigint NOT NULL,
        output_reasoning bigint NOT NULL,
        cost_usd double precision NOT NULL,
        cost_unknown bigint NOT NULL,
        reference_cost_usd double precision NOT NULL,
        reference_unknown bigint NOT NULL,
        savings_usd double precision NOT NULL,
        latency_ms_sum double precision NOT NULL,
        ttft_ms_sum double precision NOT NULL,
        ttft_count bigint NOT NULL,
        generation_ms_sum double precision NOT NULL,
        generation_output_tokens bigint NOT NULL,
        PRIMARY KEY (hour, key_id, team, task, tier, provider, model, local)
      ) WITH (fillfactor = 80); -- room on each page for in-place (HOT) updates: rows are updated far more than inserted
      CREATE INDEX rollups_hourly_key_id_hour ON rollups_hourly (key_id, hour);

      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        team text,
        hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint,
        budget text,
        limits text
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
        day bigint NOT NULL,
        key_id text COLLATE "C" NOT NULL,
        team text COLLATE "C" NOT NULL,
        task text COLLATE "C" NOT NULL,
        tier text COLLATE "C" NOT NULL,
        provider text COLLATE "C" NOT NULL,
        model text COLLATE "C" NOT NULL,
        local boolean NOT NULL,
        requests bigint NOT NULL,
        ok bigint NOT NULL,
        errors bigint NOT NULL,
        partial bigint NOT NULL,
        client_aborted bigint NOT NULL,
        fallbacks bigint NOT NULL,
        cache_hits bigint NOT NULL,
        estimated bigint NOT NULL,
        input_uncached bigint NOT NULL,
        cache_read bigint NOT NULL,
        cache_write bigint NOT NULL,
        output_text bigint NOT NULL,
        output_reasoning bigint NOT NULL,
        cost_usd double precision NOT NULL,
        cost_unknown bigint NOT NULL,
        reference_cost_usd double precision NOT NULL,
        reference_unknown bigint NOT NULL,
        savings_usd double precision NOT NULL,
        latency_ms_sum double precision NOT NULL,
        ttft_ms_sum double precision NOT NULL,
        ttft_count bigint NOT NULL,
        generation_ms_sum double precision NOT NULL,
        generation_output_tokens bigint NOT NULL,
        PRIMARY KEY (day, key_id, team, task, tier, provider, model, local)
      ) WITH (fillfactor = 80); -- as rollups_hourly: a day's rows are updated all day long
      CREATE INDEX rollups_daily_key_id_day ON rollups_daily (key_id, day);

      -- The sums of bigint columns are numeric; the insert casts them back to bigint.
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
        id bigserial PRIMARY KEY,
        ts bigint NOT NULL,
        target text NOT NULL,
        state text NOT NULL,
        local boolean NOT NULL,
        source text,
        error text
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
    sql: histogramMigrationSql('postgres'),
  },
  {
    version: 6,
    name: 'fallback drills',
    // One row per `tollgate drill`: when, whether it passed and why not, and its requests (JSON,
    // read whole by the trial scorecard, never queried into).
    sql: `
      CREATE TABLE IF NOT EXISTS drills (
        id text PRIMARY KEY,
        started_at bigint NOT NULL,
        ended_at bigint NOT NULL,
        passed boolean NOT NULL,
        ended_by text NOT NULL,
        reason text,
        local_targets text NOT NULL,
        requests text NOT NULL
      );
      CREATE INDEX IF NOT EXISTS drills_started_at ON drills (started_at);
    `,
  },
];
