import { describe, expect, it } from 'vitest';
import type { TargetEvent } from '../ledger/ledger-store.js';
import { integrateUptime, sliceWindow } from './integrate-uptime.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2026-11-23T00:00:00Z, a Monday. */
const T0 = Date.UTC(2026, 10, 23);

function event(ts: number, state: TargetEvent['state'], target = 'gpu'): TargetEvent {
  return { ts, target, state, local: target === 'gpu', source: state === 'stopped' ? null : 'poll', error: null };
}

describe('integrateUptime', () => {
  it('splits a window into up, down and unknown time, and counts up-to-down transitions', () => {
    // 3 h up, 30 min down, up again: 3 h / 3.5 h = 85.7 %.
    const events = [event(T0, 'up'), event(T0 + 3 * HOUR, 'down'), event(T0 + 3 * HOUR + 30 * MIN, 'up')];
    expect(integrateUptime(events, { from: T0, to: T0 + 3 * HOUR + 30 * MIN })).toEqual([
      { target: 'gpu', local: true, upMs: 3 * HOUR, downMs: 30 * MIN, unknownMs: 0, uptime: 6 / 7, outages: 1 },
    ]);
    // An hour before the first event is unknown and does not dilute the figure.
    const [wider] = integrateUptime(events, { from: T0 - HOUR, to: T0 + 4 * HOUR });
    expect(wider).toMatchObject({ upMs: 3.5 * HOUR, downMs: 30 * MIN, unknownMs: HOUR, uptime: 7 / 8, outages: 1 });
  });

  it('opens the window in the state of the last event before it; an outage needs its down event inside', () => {
    const events = [event(T0, 'up'), event(T0 + HOUR, 'down'), event(T0 + 2 * HOUR, 'up')];
    // Starts down (the event at T0 + 1 h is before the window): no transition to count.
    expect(integrateUptime(events, { from: T0 + 90 * MIN, to: T0 + 3 * HOUR })[0]).toMatchObject({ upMs: HOUR, downMs: 30 * MIN, unknownMs: 0, outages: 0 });
    // The down event exactly at `from` is inside.
    expect(integrateUptime(events, { from: T0 + HOUR, to: T0 + 2 * HOUR })[0]).toMatchObject({ upMs: 0, downMs: HOUR, outages: 1, uptime: 0 });
  });

  it('counts the time after `stopped` as unknown until the next event', () => {
    const events = [event(T0, 'up'), event(T0 + HOUR, 'stopped'), event(T0 + 3 * HOUR, 'down'), event(T0 + 4 * HOUR, 'up')];
    expect(integrateUptime(events, { from: T0, to: T0 + 5 * HOUR })[0]).toMatchObject({
      upMs: 2 * HOUR,
      downMs: HOUR,
      unknownMs: 2 * HOUR,
      // Up, then the gateway stopped, then down: nobody saw it go down, so it is not an outage.
      outages: 0,
      uptime: 2 / 3,
    });
  });

  it('answers null uptime when nothing was observed, and one row per target', () => {
    const events = [event(T0 - DAY, 'stopped', 'gpu'), event(T0 + HOUR, 'down', 'anthropic'), event(T0 + 2 * HOUR, 'up', 'anthropic')];
    expect(integrateUptime(events, { from: T0, to: T0 + 3 * HOUR })).toEqual([
      { target: 'gpu', local: true, upMs: 0, downMs: 0, unknownMs: 3 * HOUR, uptime: null, outages: 0 },
      { target: 'anthropic', local: false, upMs: HOUR, downMs: HOUR, unknownMs: HOUR, uptime: 0.5, outages: 0 },
    ]);
    expect(integrateUptime([], { from: T0, to: T0 + HOUR })).toEqual([]);
  });

  it('ignores events at or after the end, and treats an inverted window as empty', () => {
    const events = [event(T0, 'up'), event(T0 + HOUR, 'down')];
    expect(integrateUptime(events, { from: T0, to: T0 + HOUR })[0]).toMatchObject({ upMs: HOUR, downMs: 0, outages: 0 });
    expect(integrateUptime(events, { from: T0 + HOUR, to: T0 })[0]).toMatchObject({ upMs: 0, downMs: 0, unknownMs: 0, uptime: null });
  });
});

describe('sliceWindow', () => {
  it('cuts at UTC midnights, labelling each day', () => {
    expect(sliceWindow(T0 + 20 * HOUR, T0 + 2 * DAY + 6 * HOUR, 'day')).toEqual([
      { from: T0 + 20 * HOUR, to: T0 + DAY, label: '2026-11-23' },
      { from: T0 + DAY, to: T0 + 2 * DAY, label: '2026-11-24' },
      { from: T0 + 2 * DAY, to: T0 + 2 * DAY + 6 * HOUR, label: '2026-11-25' },
    ]);
  });

  it('cuts weeks at Mondays and months at their first day', () => {
    // Thursday 2026-11-26 to Wednesday 2026-12-09.
    expect(sliceWindow(T0 + 3 * DAY, T0 + 16 * DAY, 'week').map((slice) => slice.label)).toEqual(['2026-11-23', '2026-11-30', '2026-12-07']);
    expect(sliceWindow(Date.UTC(2026, 10, 15), Date.UTC(2027, 1, 2), 'month')).toEqual([
      { from: Date.UTC(2026, 10, 15), to: Date.UTC(2026, 11, 1), label: '2026-11' },
      { from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1), label: '2026-12' },
      { from: Date.UTC(2027, 0, 1), to: Date.UTC(2027, 1, 1), label: '2027-01' },
      { from: Date.UTC(2027, 1, 1), to: Date.UTC(2027, 1, 2), label: '2027-02' },
    ]);
    expect(sliceWindow(T0, T0, 'day')).toEqual([]);
  });
});
