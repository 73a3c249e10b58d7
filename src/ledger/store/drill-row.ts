import type { DrillQuery, DrillRecord, DrillRequest } from '../ledger-store.js';

export const DRILL_COLUMNS = ['id', 'started_at', 'ended_at', 'passed', 'ended_by', 'reason', 'local_targets', 'requests'] as const;

/**
 * A `drills` row: `passed` is 0/1 in SQLite, a boolean in PostgreSQL; the lists are JSON text in
 * both (read whole, never queried into), as the records' attempts are.
 */
export interface DrillRow {
  readonly id: string;
  readonly started_at: number;
  readonly ended_at: number;
  readonly passed: number | boolean;
  readonly ended_by: string;
  readonly reason: string | null;
  readonly local_targets: string;
  readonly requests: string;
}

/** A drill's values in DRILL_COLUMNS order. */
export function drillToRow<B>(drill: DrillRecord, bool: (value: boolean) => B): (string | number | B | null)[] {
  return [drill.id, drill.startedAt, drill.endedAt, bool(drill.passed), drill.endedBy, drill.reason, JSON.stringify(drill.localTargets), JSON.stringify(drill.requests)];
}

export function rowToDrill(row: DrillRow): DrillRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    passed: row.passed === true || row.passed === 1,
    endedBy: row.ended_by === 'timeout' || row.ended_by === 'shutdown' ? row.ended_by : 'client',
    reason: row.reason,
    localTargets: JSON.parse(row.local_targets) as string[],
    requests: JSON.parse(row.requests) as DrillRequest[],
  };
}

/** `INSERT … ON CONFLICT DO NOTHING`: a drill ended twice (a retried call) is stored once. */
export function insertDrillSql(placeholder: (n: number) => string): string {
  return `INSERT INTO drills (${DRILL_COLUMNS.join(', ')}) VALUES (${DRILL_COLUMNS.map((_, index) => placeholder(index + 1)).join(', ')}) ON CONFLICT (id) DO NOTHING`;
}

export function buildDrillsSql(query: DrillQuery, placeholder: (n: number) => string): { sql: string; params: number[] } {
  return {
    sql: `SELECT ${DRILL_COLUMNS.join(', ')} FROM drills WHERE started_at >= ${placeholder(1)} AND started_at < ${placeholder(2)} ORDER BY started_at, id`,
    params: [query.from, query.to],
  };
}
