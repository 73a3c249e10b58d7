import { DAY_MS, HOUR_MS, LATENCY_BUCKET_COLUMNS, RECORD_BUCKET_AGGREGATES, ROLLUP_DIMENSION_COLUMNS, TTFT_BUCKET_COLUMNS } from './rollup.js';

/**
 * Migration 5 (both databases): a count column per latency and TTFT bucket in both rollup tables,
 * backfilled from the records, which keep every request's latency_ms, ttft_ms and outcome. So
 * percentiles cover the whole ledger, not only what was written after the upgrade.
 *
 * The backfill reads every record once (one GROUP BY over `records`, as the hourly rollups were
 * built) and then updates each hourly row from it; daily rows are summed from the hourly ones, as
 * migration 2 made them. A million records took 5 s on SQLite (400,000 hourly rows; about half the
 * GROUP BY with its 48 filtered counts, half the updates) and 3 s on PostgreSQL (86,000 hourly
 * rows), once, inside the migration's transaction, before the gateway serves. Rollup rows whose
 * records are gone would keep zero counts (no record is ever deleted today).
 *
 * The SQL is built from the bucket layout, so the layout must never change under it (a shipped
 * migration is never edited): latency-histogram.test.ts pins it.
 */
export function histogramMigrationSql(dialect: 'sqlite' | 'postgres'): string {
  const columns = [...LATENCY_BUCKET_COLUMNS, ...TTFT_BUCKET_COLUMNS];
  const integer = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  // Postgres: the rollups' key columns are COLLATE "C" and the records' are not; comparing the two
  // needs one collation, so the grouped record values take the rollups'.
  const collate = dialect === 'postgres' ? ' COLLATE "C"' : '';
  const addColumns = (table: string): string =>
    dialect === 'sqlite'
      ? columns.map((column) => `ALTER TABLE ${table} ADD COLUMN ${column} ${integer} NOT NULL DEFAULT 0;`).join('\n')
      : `ALTER TABLE ${table} ${columns.map((column) => `ADD COLUMN ${column} ${integer} NOT NULL DEFAULT 0`).join(', ')};`;
  const sameKey = (table: string, period: string, alias: string): string =>
    [period, ...ROLLUP_DIMENSION_COLUMNS].map((column) => `${table}.${column} = ${alias}.${column}`).join(' AND ');
  const setFrom = (alias: string): string => columns.map((column) => `${column} = ${alias}.${column}`).join(', ');
  const textKeys = ROLLUP_DIMENSION_COLUMNS.filter((column) => column !== 'local');

  return [
    addColumns('rollups_hourly'),
    addColumns('rollups_daily'),
    `UPDATE rollups_hourly SET ${setFrom('r')} FROM (
      SELECT ts - ts % ${HOUR_MS} AS hour, ${textKeys.map((column) => `coalesce(${column}, '')${collate} AS ${column}`).join(', ')}, local,
        ${RECORD_BUCKET_AGGREGATES.map(([column, aggregate]) => `${aggregate} AS ${column}`).join(', ')}
      FROM records
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ) AS r
    WHERE ${sameKey('rollups_hourly', 'hour', 'r')};`,
    `UPDATE rollups_daily SET ${setFrom('h')} FROM (
      SELECT hour - hour % ${DAY_MS} AS day, ${ROLLUP_DIMENSION_COLUMNS.join(', ')}, ${columns.map((column) => `sum(${column}) AS ${column}`).join(', ')}
      FROM rollups_hourly
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ) AS h
    WHERE ${sameKey('rollups_daily', 'day', 'h')};`,
  ].join('\n');
}
