import type { TargetEvent } from '../ledger/ledger-store.js';
import type { TargetState, UptimePeriod, UptimeRow } from './monitor-view.js';

/**
 * Uptime per target over `[from, to)` from its state timeline: each event's state holds until the
 * target's next event, `stopped` (and the time before the first known event) counting as unknown.
 * `events` are what LedgerStore.targetEvents returns (ordered by time; events before `from` set
 * the state the window opens in). Pure arithmetic, so the figures are exact and testable.
 */
export function integrateUptime(events: readonly TargetEvent[], window: { readonly from: number; readonly to: number }): UptimeRow[] {
  const { from } = window;
  const to = Math.max(from, window.to);
  const byTarget = new Map<string, TargetEvent[]>();
  for (const event of events) {
    const list = byTarget.get(event.target);
    if (list) list.push(event);
    else byTarget.set(event.target, [event]);
  }
  const rows: UptimeRow[] = [];
  for (const [target, timeline] of byTarget) {
    const spent: Record<TargetState, number> = { up: 0, down: 0, unknown: 0 };
    let state: TargetState = 'unknown';
    let at = from;
    let outages = 0;
    for (const event of timeline) {
      if (event.ts >= to) break;
      const start = Math.max(event.ts, from);
      spent[state] += start - at;
      at = start;
      const next: TargetState = event.state === 'stopped' ? 'unknown' : event.state;
      if (event.ts >= from && state === 'up' && next === 'down') outages += 1;
      state = next;
    }
    spent[state] += to - at;
    const observed = spent.up + spent.down;
    rows.push({
      target,
      local: timeline.at(-1)?.local ?? false,
      upMs: spent.up,
      downMs: spent.down,
      unknownMs: spent.unknown,
      uptime: observed > 0 ? spent.up / observed : null,
      outages,
    });
  }
  return rows;
}

const DAY = 86_400_000;

/** A period of a window: `[from, to)` and its label. */
export interface UptimeSlice {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

/**
 * Cuts `[from, to)` at UTC day, ISO week (Monday) or month boundaries. The first and last slices
 * are partial when the window does not start or end on a boundary; each is labelled by the start
 * of its whole period (`2026-11-23` for a day or a week, `2026-11` for a month).
 */
export function sliceWindow(from: number, to: number, period: UptimePeriod): UptimeSlice[] {
  const slices: UptimeSlice[] = [];
  let start = periodStart(from, period);
  while (start < to) {
    const next = nextPeriodStart(start, period);
    const iso = new Date(start).toISOString();
    slices.push({ from: Math.max(start, from), to: Math.min(next, to), label: period === 'month' ? iso.slice(0, 7) : iso.slice(0, 10) });
    start = next;
  }
  return slices;
}

function periodStart(ts: number, period: UptimePeriod): number {
  const day = Math.floor(ts / DAY) * DAY;
  if (period === 'day') return day;
  const date = new Date(day);
  if (period === 'week') return day - ((date.getUTCDay() + 6) % 7) * DAY; // back to Monday
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextPeriodStart(start: number, period: UptimePeriod): number {
  if (period === 'day') return start + DAY;
  if (period === 'week') return start + 7 * DAY;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}
