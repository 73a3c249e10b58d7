import type Database from 'better-sqlite3';
import type { UsageDimension, UsageQuery, UsageRow } from '../../ledger-store.js';
import { RECORD_MEASURES_SQL } from '../sqlite-ledger-seed.js';
import { toUsageRow } from '../usage-sql.js';

/**
 * The brute-force aggregate over the SQLite `records` table that `usage()` is checked against at a
 * scale where JavaScript records would be too slow (seeded with sqlite-ledger-seed.ts).
 */

const RECORD_DIMENSIONS: Record<UsageDimension, string> = {
  hour: 'ts - ts % 3600000',
  day: 'ts - ts % 86400000',
  month: "strftime('%Y-%m', ts / 1000, 'unixepoch')",
  key: "coalesce(key_id, '')",
  team: "coalesce(team, '')",
  task: "coalesce(task, '')",
  tier: "coalesce(tier, '')",
  target: "CASE WHEN provider IS NULL THEN '' ELSE provider || '/' || model END",
  provider: "coalesce(provider, '')",
  local: 'local',
};

/** The answer to a usage query computed by scanning `records`: the oracle at scale. */
export function bruteForceUsageSql(db: Database.Database, query: UsageQuery): UsageRow[] {
  const dimensions = [...new Set(query.groupBy)];
  const params: unknown[] = [Math.floor(query.since / 3_600_000) * 3_600_000, Math.ceil(query.until / 3_600_000) * 3_600_000];
  const where = ['ts >= ?', 'ts < ?'];
  const filter = query.filter ?? {};
  const equals = (expression: string, value: unknown): void => {
    where.push(`${expression} = ?`);
    params.push(value);
  };
  if (filter.keyId !== undefined) equals(RECORD_DIMENSIONS.key, filter.keyId ?? '');
  if (filter.team !== undefined) equals(RECORD_DIMENSIONS.team, filter.team ?? '');
  if (filter.task !== undefined) equals(RECORD_DIMENSIONS.task, filter.task ?? '');
  if (filter.tier !== undefined) equals(RECORD_DIMENSIONS.tier, filter.tier ?? '');
  if (filter.provider !== undefined) equals(RECORD_DIMENSIONS.provider, filter.provider);
  if (filter.target !== undefined) equals(RECORD_DIMENSIONS.target, filter.target);
  if (filter.local !== undefined) equals('local', filter.local ? 1 : 0);
  const groups = dimensions.map((dimension, index) => `${RECORD_DIMENSIONS[dimension]} AS g${index}`);
  const aliases = dimensions.map((_, index) => `g${index}`).join(', ');
  const sql = [
    `SELECT ${[...groups, RECORD_MEASURES_SQL].join(', ')} FROM records WHERE ${where.join(' AND ')}`,
    dimensions.length > 0 ? `GROUP BY ${aliases} ORDER BY ${aliases}` : 'HAVING count(*) > 0',
  ].join(' ');
  const rows = db.prepare(sql).all(params) as Record<string, unknown>[];
  return rows.map((row) => toUsageRow(row, dimensions, query.histograms === true));
}
