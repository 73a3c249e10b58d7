import { describe, expect, it } from 'vitest';
import { DAILY, HOURLY } from './rollup.js';
import { splitWindow } from './usage-sql.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIDNIGHT = Date.UTC(2026, 10, 23);

describe('splitWindow', () => {
  it('reads whole days from daily rollups and the hours around them from hourly ones', () => {
    expect(splitWindow(MIDNIGHT + 5 * HOUR, MIDNIGHT + 3 * DAY + 7 * HOUR, false)).toEqual([
      { table: HOURLY, from: MIDNIGHT + 5 * HOUR, to: MIDNIGHT + DAY },
      { table: DAILY, from: MIDNIGHT + DAY, to: MIDNIGHT + 3 * DAY },
      { table: HOURLY, from: MIDNIGHT + 3 * DAY, to: MIDNIGHT + 3 * DAY + 7 * HOUR },
    ]);
  });

  it('leaves out an empty head or tail', () => {
    expect(splitWindow(MIDNIGHT, MIDNIGHT + 2 * DAY, false)).toEqual([{ table: DAILY, from: MIDNIGHT, to: MIDNIGHT + 2 * DAY }]);
    expect(splitWindow(MIDNIGHT, MIDNIGHT + DAY + HOUR, false)).toEqual([
      { table: DAILY, from: MIDNIGHT, to: MIDNIGHT + DAY },
      { table: HOURLY, from: MIDNIGHT + DAY, to: MIDNIGHT + DAY + HOUR },
    ]);
    expect(splitWindow(MIDNIGHT - HOUR, MIDNIGHT + DAY, false)).toEqual([
      { table: HOURLY, from: MIDNIGHT - HOUR, to: MIDNIGHT },
      { table: DAILY, from: MIDNIGHT, to: MIDNIGHT + DAY },
    ]);
  });

  it('reads hourly rollups alone for less than a whole day, an empty window, or hours', () => {
    expect(splitWindow(MIDNIGHT + 20 * HOUR, MIDNIGHT + DAY + 19 * HOUR, false)).toEqual([{ table: HOURLY, from: MIDNIGHT + 20 * HOUR, to: MIDNIGHT + DAY + 19 * HOUR }]);
    expect(splitWindow(MIDNIGHT + DAY, MIDNIGHT + DAY, false)).toEqual([{ table: HOURLY, from: MIDNIGHT + DAY, to: MIDNIGHT + DAY }]);
    expect(splitWindow(MIDNIGHT + DAY, MIDNIGHT, false)).toEqual([{ table: HOURLY, from: MIDNIGHT + DAY, to: MIDNIGHT }]);
    expect(splitWindow(MIDNIGHT, MIDNIGHT + 3 * DAY, true)).toEqual([{ table: HOURLY, from: MIDNIGHT, to: MIDNIGHT + 3 * DAY }]);
  });
});
