import type { TargetEvent, TargetEventQuery } from '../ledger-store.js';

export const TARGET_EVENT_COLUMNS = ['ts', 'target', 'state', 'local', 'source', 'error'] as const;

/** A `target_events` row: `local` is 0/1 in SQLite, a boolean in PostgreSQL. */
export interface TargetEventRow {
  readonly id: number;
  readonly ts: number;
  readonly target: string;
  readonly state: string;
  readonly local: number | boolean;
  readonly source: string | null;
  readonly error: string | null;
}

/** An event's values in TARGET_EVENT_COLUMNS order. */
export function eventToRow<B>(event: TargetEvent, bool: (value: boolean) => B): (string | number | B | null)[] {
  return [event.ts, event.target, event.state, bool(event.local), event.source, event.error];
}

export function rowToEvent(row: TargetEventRow): TargetEvent {
  return {
    ts: row.ts,
    target: row.target,
    state: row.state === 'up' || row.state === 'down' ? row.state : 'stopped',
    local: row.local === true || row.local === 1,
    source: row.source,
    error: row.error,
  };
}

const SELECTED = 'e.id AS id, e.ts AS ts, e.target AS target, e.state AS state, e.local AS local, e.source AS source, e.error AS error';

/**
 * The window's events and each target's last event before it, in one statement valid in both
 * dialects. The event before the window is found per target through the (target, ts, id) index,
 * so the query costs a seek per target, not a scan of the history.
 */
export function buildTargetEventsSql(query: TargetEventQuery, placeholder: (n: number) => string): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const param = (value: string | number): string => {
    params.push(value);
    return placeholder(params.length);
  };
  const targets = query.target === undefined ? '' : ` WHERE target = ${param(query.target)}`;
  const before =
    `SELECT ${SELECTED} FROM (SELECT DISTINCT target FROM target_events${targets}) t ` +
    `JOIN target_events e ON e.id = (SELECT p.id FROM target_events p WHERE p.target = t.target AND p.ts < ${param(query.from)} ORDER BY p.ts DESC, p.id DESC LIMIT 1)`;
  const inWindow =
    `SELECT ${SELECTED} FROM target_events e WHERE e.ts >= ${param(query.from)} AND e.ts < ${param(query.to)}` +
    (query.target === undefined ? '' : ` AND e.target = ${param(query.target)}`);
  return { sql: `${before} UNION ALL ${inWindow} ORDER BY ts, id`, params };
}
