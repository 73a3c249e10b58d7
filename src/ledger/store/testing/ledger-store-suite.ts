import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../ledger-record.js';
import type { DrillRecord, DrillRequest, LedgerStore, StoredKey, TargetEvent, UsageDimension, UsageQuery } from '../../ledger-store.js';
import { LedgerStoreError } from '../ledger-store-error.js';
import { bruteForceUsage, expectSameUsage } from './brute-force-usage.js';
import { generateRecords } from './generate-records.js';

export interface LedgerStoreFixture {
  /**
   * A migrated store over a new, empty ledger, and a way to open that same ledger again (after
   * the first store is closed).
   */
  fresh(): Promise<{ store: LedgerStore; reopen(): Promise<LedgerStore> }>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-11-23T00:00:00Z, a Monday; the window crosses a month end. */
const START = Date.UTC(2026, 10, 23);
const ALL_TIME: Pick<UsageQuery, 'since' | 'until'> = { since: 0, until: Date.UTC(2100, 0, 1) };
const DIMENSIONS: readonly UsageDimension[] = ['hour', 'day', 'month', 'key', 'team', 'task', 'tier', 'target', 'provider', 'local'];

/**
 * The contract of LedgerStore, as tests every implementation must pass. Each test opens its own
 * empty ledger through the fixture; stores are closed after each test.
 */
export function describeLedgerStore(name: string, fixture: LedgerStoreFixture): void {
  describe(`LedgerStore contract: ${name}`, () => {
    const opened: LedgerStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const fresh = async (): Promise<{ store: LedgerStore; reopen(): Promise<LedgerStore> }> => {
      const { store, reopen } = await fixture.fresh();
      opened.push(store);
      return {
        store,
        reopen: async () => {
          const again = await reopen();
          opened.push(again);
          return again;
        },
      };
    };
    const freshStore = async (): Promise<LedgerStore> => (await fresh()).store;

    it('migrates idempotently', async () => {
      const store = await freshStore();
      await store.migrate();
      await store.migrate();
      await store.append(generateRecords(5, { seed: 1, start: START, spanMs: HOUR }));
      expect(await store.records({})).toHaveLength(5);
    });

    it('round-trips records exactly, newest first', async () => {
      const store = await freshStore();
      const records = generateRecords(400, { seed: 2, start: START, spanMs: 3 * DAY, payloadShare: 0.5 });
      await store.append(records.slice(0, 250));
      await store.append(records.slice(250));
      expect(await store.records({ limit: 10_000 })).toEqual(newestFirst(records));
    });

    it('keeps null apart from a value, and an absent payload apart from a stored null', async () => {
      const store = await freshStore();
      const [base] = generateRecords(1, { seed: 3, start: START, spanMs: HOUR, payloadShare: 0 }) as [LedgerRecord];
      const bare: LedgerRecord = {
        ...base,
        id: 'bare',
        keyId: null,
        team: null,
        requestedModel: null,
        task: null,
        priority: null,
        tier: null,
        rule: null,
        routeReason: null,
        fallbackReason: null,
        attempts: [],
        provider: null,
        model: null,
        local: false,
        cache: null,
        tokens: { inputUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, outputReasoning: 0, estimated: false },
        costUsd: null,
        referenceModel: null,
        referenceCostUsd: null,
        savingsUsd: null,
        ttftMs: null,
        generationMs: null,
        errorCode: null,
        warnings: [],
      };
      const full: LedgerRecord = { ...base, id: 'full', ts: base.ts + 1, costUsd: 0.1 + 0.2, latencyMs: 1 / 3, prompt: null, response: { nested: [1, 'two', { three: null }] } };
      await store.append([bare, full]);
      const [readFull, readBare] = await store.records({});
      expect(readBare).toEqual(bare);
      expect(readBare && 'prompt' in readBare).toBe(false);
      expect(readFull).toEqual(full);
      expect(readFull?.prompt).toBeNull();
      expect(readFull?.costUsd).toBe(0.1 + 0.2);
      expect(readFull?.latencyMs).toBe(1 / 3);
    });

    it('ignores records it already has, in the table and in the rollups', async () => {
      const store = await freshStore();
      const records = generateRecords(600, { seed: 4, start: START, spanMs: 2 * DAY });
      const first = records.slice(0, 400);
      await store.append(first);
      const totals = await store.usage({ ...ALL_TIME, groupBy: ['key', 'target'] });
      await store.append(first); // a retried batch
      expect(await store.usage({ ...ALL_TIME, groupBy: ['key', 'target'] })).toEqual(totals);
      expect(await store.records({ limit: 10_000 })).toHaveLength(400);

      // Half old, half new, and one record twice in the same batch.
      const overlapping = [...records.slice(200, 600), records[599] as LedgerRecord];
      await store.append(overlapping);
      expect(await store.records({ limit: 10_000 })).toHaveLength(600);
      expectSameUsage(await store.usage({ ...ALL_TIME, groupBy: ['key', 'target'] }), bruteForceUsage(records, { ...ALL_TIME, groupBy: ['key', 'target'] }));
    });

    it('counts answered requests per latency bucket and every TTFT per TTFT bucket, bounds inclusive', async () => {
      const store = await freshStore();
      const [base] = generateRecords(1, { seed: 11, start: START + 5 * HOUR, spanMs: HOUR, payloadShare: 0 }) as [LedgerRecord];
      const at = (id: string, outcome: LedgerRecord['outcome'], latencyMs: number, ttftMs: number | null): LedgerRecord => ({ ...base, id, outcome, latencyMs, ttftMs });
      await store.append([
        at('on-first-bound', 'ok', 25, 25),
        at('just-past-it', 'ok', 25.5, null),
        at('zero', 'ok', 0, 0),
        at('past-the-last-bound', 'ok', 700_000, 630_000),
        at('failed', 'error', 1_000, null),
        at('broke-mid-stream', 'partial', 1_000, 300),
      ]);
      const buckets = (entries: Record<number, number>): number[] => Array.from({ length: 24 }, (_, index) => entries[index] ?? 0);
      // The window holds whole days (read from rollups_daily); by hour it is read from rollups_hourly.
      const [total] = await store.usage({ ...ALL_TIME, groupBy: [], histograms: true });
      const [hour] = await store.usage({ ...ALL_TIME, groupBy: ['hour'], histograms: true });
      for (const row of [total, hour]) {
        expect(row?.latencyBuckets).toEqual(buckets({ 0: 2, 1: 1, 23: 1 }));
        expect(row?.ttftBuckets).toEqual(buckets({ 0: 2, 6: 1, 22: 1 }));
      }
      // Not asked for, not read: the same sums, no histograms.
      const [plain] = await store.usage({ ...ALL_TIME, groupBy: [] });
      expect(plain).not.toHaveProperty('latencyBuckets');
      expect(plain).not.toHaveProperty('ttftBuckets');
      const { latencyBuckets: _latency, ttftBuckets: _ttft, ...sums } = total!;
      expect(plain).toEqual(sums);
    });

    describe('usage', () => {
      // 3,000 varied records over five days across a month end, written in uneven batches.
      const records = generateRecords(3_000, { seed: 5, start: START, spanMs: 5 * DAY + 7 * HOUR, payloadShare: 0 });
      let store: LedgerStore;
      // Every check reads the histograms too (the slower query, a superset of the other).
      const check = async (plain: UsageQuery, label: string): Promise<void> => {
        const query = { ...plain, histograms: true };
        expectSameUsage(await store.usage(query), bruteForceUsage(records, query), label);
      };
      beforeAll(async () => {
        // One store for this block (read-only after seeding): closed by the fixture's own teardown.
        ({ store } = await fixture.fresh());
        for (let start = 0; start < records.length; start += 700) await store.append(records.slice(start, start + 700));
        return () => store.close();
      });

      it('totals everything without dimensions', async () => {
        await check({ ...ALL_TIME, groupBy: [] }, 'no dimensions');
        expect((await store.usage({ ...ALL_TIME, groupBy: [] }))[0]?.requests).toBe(3_000);
      });

      it('groups by each dimension', async () => {
        for (const dimension of DIMENSIONS) await check({ ...ALL_TIME, groupBy: [dimension] }, dimension);
      });

      it('groups by every pair of dimensions, in either order', async () => {
        for (const a of DIMENSIONS) {
          for (const b of DIMENSIONS) if (a !== b) await check({ ...ALL_TIME, groupBy: [a, b] }, `${a}+${b}`);
        }
      });

      it('groups by several dimensions at once', async () => {
        await check({ ...ALL_TIME, groupBy: ['day', 'team', 'task', 'tier'] }, 'day+team+task+tier');
        await check({ ...ALL_TIME, groupBy: ['month', 'key', 'target', 'local'] }, 'month+key+target+local');
        await check({ ...ALL_TIME, groupBy: [...DIMENSIONS] }, 'everything');
        await check({ ...ALL_TIME, groupBy: ['key', 'key', 'day'] }, 'repeated dimension');
      });

      it('filters by each field, null matching records without a value', async () => {
        const filters: UsageQuery['filter'][] = [
          { keyId: 'key_alpha' },
          { keyId: null },
          { team: 'search' },
          { team: null },
          { task: 'Summarize' },
          { task: null },
          { tier: 'large' },
          { tier: null },
          { target: 'ollama/llama3.2' },
          { target: 'openrouter/meta-llama/llama-3-70b' },
          { target: 'nobody/nothing' },
          { provider: 'gpu-box' },
          { local: true },
          { local: false },
          { keyId: 'key_gamma', task: 'code', local: false },
          { team: null, tier: null, provider: 'anthropic' },
        ];
        for (const filter of filters) {
          await check({ ...ALL_TIME, groupBy: ['day', 'target'], filter }, JSON.stringify(filter));
          await check({ ...ALL_TIME, groupBy: [], filter }, `${JSON.stringify(filter)} total`);
        }
      });

      it('rounds the window out to whole hours', async () => {
        const windows: [number, number][] = [
          [START + 26 * HOUR + 17 * 60_000, START + 30 * HOUR + 1], // mid-hour on both ends
          [START + 26 * HOUR, START + 30 * HOUR], // on the hour: `until` is exclusive
          [START + 26 * HOUR + 1, START + 26 * HOUR + 2], // inside one hour: that hour
          [START + 3 * DAY, START + 3 * DAY], // empty
        ];
        for (const [since, until] of windows) {
          await check({ since, until, groupBy: ['hour'] }, `[${since}, ${until})`);
          await check({ since, until, groupBy: ['key', 'local'], filter: { team: 'search' } }, `[${since}, ${until}) by key`);
        }
        const oneHour = await store.usage({ since: START + 26 * HOUR + 1, until: START + 26 * HOUR + 2, groupBy: ['hour'] });
        expect(oneHour.map((row) => row.group['hour'])).toEqual(['2026-11-24T02:00:00Z']);
      });

      it('answers windows that start or end inside a day, or hold whole days only', async () => {
        // Whole UTC days may be read from daily rollups and the hours around them from hourly
        // ones: every cut must give what the records say.
        const windows: [string, number, number][] = [
          ['mid-day to mid-day', START + 7 * HOUR + 5 * 60_000, START + 3 * DAY + 15 * HOUR + 1],
          ['whole days only', START + DAY, START + 4 * DAY],
          ['one whole day', START + 2 * DAY, START + 3 * DAY],
          ['mid-day to midnight', START + 13 * HOUR, START + 3 * DAY],
          ['midnight to mid-day', START + DAY, START + 2 * DAY + 9 * HOUR + 30 * 60_000],
          ['less than a day, across midnight', START + DAY + 20 * HOUR, START + 2 * DAY + 3 * HOUR],
          ['less than a day, inside one', START + 2 * DAY + HOUR, START + 2 * DAY + 23 * HOUR],
          ['a day and a bit, across two midnights', START + 22 * HOUR + 1, START + 2 * DAY + 2 * HOUR - 1],
          ['past the last record', START + 4 * DAY + 6 * HOUR, START + 9 * DAY],
        ];
        const groupings: UsageDimension[][] = [[], ['day'], ['month', 'task'], ['day', 'target'], ['key', 'local'], ['team', 'tier', 'provider']];
        for (const [name, since, until] of windows) {
          for (const groupBy of groupings) await check({ since, until, groupBy }, `${name} by [${groupBy.join(', ')}]`);
          await check({ since, until, groupBy: ['day', 'task'], filter: { team: 'search', local: true } }, `${name}, filtered`);
          await check({ since, until, groupBy: [], filter: { keyId: null } }, `${name}, no key, total`);
        }
      });

      it('groups by hour across midnight and over whole days', async () => {
        const windows: [number, number][] = [
          [START + DAY + 20 * HOUR + 1, START + 2 * DAY + 3 * HOUR], // across one midnight
          [START + 13 * HOUR, START + 3 * DAY + 2 * HOUR], // holds whole days
          [START + DAY, START + 3 * DAY], // whole days only
        ];
        for (const [since, until] of windows) {
          await check({ since, until, groupBy: ['hour'] }, `[${since}, ${until}) by hour`);
          await check({ since, until, groupBy: ['day', 'hour', 'key'] }, `[${since}, ${until}) by day, hour, key`);
          await check({ since, until, groupBy: ['hour'], filter: { target: 'ollama/llama3.2' } }, `[${since}, ${until}) by hour, one target`);
        }
        const acrossMidnight = await store.usage({ since: START + DAY + 22 * HOUR, until: START + 2 * DAY + 2 * HOUR, groupBy: ['hour'] });
        expect(acrossMidnight.map((row) => row.group['hour'])).toEqual(['2026-11-24T22:00:00Z', '2026-11-24T23:00:00Z', '2026-11-25T00:00:00Z', '2026-11-25T01:00:00Z']);
      });

      it('answers an empty window with no rows', async () => {
        expect(await store.usage({ since: START - DAY, until: START, groupBy: [] })).toEqual([]);
        expect(await store.usage({ since: START - DAY, until: START, groupBy: ['day'] })).toEqual([]);
        expect(await store.usage({ ...ALL_TIME, groupBy: ['day'], filter: { keyId: 'no-such-key' } })).toEqual([]);
      });
    });

    it('names groups as UTC ISO strings, local as a boolean, a missing value as null', async () => {
      const store = await freshStore();
      const [base] = generateRecords(1, { seed: 6, start: START, spanMs: HOUR }) as [LedgerRecord];
      const ts = Date.UTC(2026, 10, 25, 13, 45, 12, 345);
      await store.append([
        { ...base, id: 'a', ts, keyId: null, provider: 'ollama', model: 'llama3.2', local: true },
        { ...base, id: 'b', ts: Date.UTC(2026, 11, 31, 23, 59, 59, 999), keyId: 'key_x', provider: null, model: null, local: false },
      ]);
      const rows = await store.usage({ ...ALL_TIME, groupBy: ['hour', 'day', 'month', 'key', 'target', 'local'] });
      expect(rows.map((row) => row.group)).toEqual([
        { hour: '2026-11-25T13:00:00Z', day: '2026-11-25', month: '2026-11', key: null, target: 'ollama/llama3.2', local: true },
        { hour: '2026-12-31T23:00:00Z', day: '2026-12-31', month: '2026-12', key: 'key_x', target: null, local: false },
      ]);
      for (const row of rows) expect(typeof row.requests).toBe('number');
    });

    it('lists records newest first, with a default and a maximum limit, by window and key', async () => {
      const store = await freshStore();
      const records = generateRecords(10_050, { seed: 7, start: START, spanMs: 2 * DAY, payloadShare: 0 });
      await store.append(records);
      const sorted = newestFirst(records);
      expect(await store.records({})).toEqual(sorted.slice(0, 100));
      expect(await store.records({ limit: 7 })).toEqual(sorted.slice(0, 7));
      expect(await store.records({ limit: 0 })).toEqual([]);
      expect(await store.records({ limit: 50_000 })).toHaveLength(10_000);
      const since = START + 6 * HOUR;
      const until = START + 7 * HOUR;
      const inWindow = sorted.filter((record) => record.ts >= since && record.ts < until);
      expect(await store.records({ since, until, limit: 10_000 })).toEqual(inWindow);
      expect(await store.records({ since, until, keyId: 'key_Beta', limit: 10_000 })).toEqual(inWindow.filter((record) => record.keyId === 'key_Beta'));
      expect(await store.records({ since: START + 2 * DAY })).toEqual([]);
    });

    it('prunes prompts and responses before a time, keeping the records and their rollups', async () => {
      const store = await freshStore();
      const records = generateRecords(500, { seed: 8, start: START, spanMs: DAY, payloadShare: 0.6 });
      await store.append(records);
      const usageBefore = await store.usage({ ...ALL_TIME, groupBy: ['hour'] });
      const cut = START + 10 * HOUR;
      const withPayload = records.filter((record) => record.ts < cut && (record.prompt !== undefined || record.response !== undefined));
      expect(withPayload.length).toBeGreaterThan(0);
      expect(await store.prunePayloads(cut)).toBe(withPayload.length);
      expect(await store.prunePayloads(cut)).toBe(0);
      const expected = newestFirst(records).map((record) => {
        if (record.ts >= cut) return record;
        const { prompt: _prompt, response: _response, ...rest } = record;
        return rest;
      });
      expect(await store.records({ limit: 10_000 })).toEqual(expected);
      expect(await store.usage({ ...ALL_TIME, groupBy: ['hour'] })).toEqual(usageBefore);
    });

    it('stores, lists, finds and revokes keys', async () => {
      const store = await freshStore();
      const key = (id: string, createdAt: number, extra: Partial<StoredKey> = {}): StoredKey => ({
        id,
        name: `name of ${id}`,
        team: null,
        hash: `hash-${id}`,
        prefix: `tg_${id.slice(0, 4)}`,
        createdAt,
        revokedAt: null,
        budget: null,
        limits: null,
        ...extra,
      });
      const b = key('key_b', 2_000, { team: 'search', budget: { mode: 'hard', dailyUsd: 5, monthlyUsd: 100.5 }, limits: { requestsPerMinute: 60 } });
      const a = key('key_a', 1_000, { budget: { mode: 'soft' } });
      const c = key('key_c', 3_000, { limits: { tokensPerMinute: 10_000 } });
      for (const k of [b, c, a]) await store.insertKey(k);
      expect(await store.listKeys()).toEqual([a, b, c]);
      expect(await store.findKeyByHash('hash-key_b')).toEqual(b);
      expect(await store.findKeyByHash('nope')).toBeUndefined();

      expect(await store.revokeKey('key_b', 5_000)).toBe(true);
      expect(await store.revokeKey('key_b', 6_000)).toBe(true); // already revoked: the first time stands
      expect(await store.revokeKey('key_z', 5_000)).toBe(false);
      expect(await store.findKeyByHash('hash-key_b')).toEqual({ ...b, revokedAt: 5_000 });
      expect((await store.listKeys()).map((k) => k.revokedAt)).toEqual([null, 5_000, null]);

      const duplicate = store.insertKey(a);
      await expect(duplicate).rejects.toBeInstanceOf(LedgerStoreError);
      await expect(duplicate).rejects.toMatchObject({ operation: 'insertKey' });
      expect(await store.listKeys()).toHaveLength(3); // and the store still works
    });

    it('keeps everything when the ledger is opened again', async () => {
      const { store, reopen } = await fresh();
      const records = generateRecords(300, { seed: 9, start: START, spanMs: DAY, payloadShare: 0.5 });
      await store.append(records);
      await store.insertKey({ id: 'key_a', name: 'a', team: null, hash: 'h', prefix: 'tg_a', createdAt: 1, revokedAt: null, budget: null, limits: null });
      const usage = await store.usage({ ...ALL_TIME, groupBy: ['day', 'target'] });
      await store.close();

      const again = await reopen();
      await again.migrate();
      expect(await again.records({ limit: 10_000 })).toEqual(newestFirst(records));
      expect(await again.usage({ ...ALL_TIME, groupBy: ['day', 'target'] })).toEqual(usage);
      expect(await again.listKeys()).toHaveLength(1);
      await again.append(records); // still idempotent across opens
      expect(await again.usage({ ...ALL_TIME, groupBy: ['day', 'target'] })).toEqual(usage);
    });

    describe('target events', () => {
      const event = (ts: number, target: string, state: TargetEvent['state'], extra: Partial<TargetEvent> = {}): TargetEvent => ({
        ts,
        target,
        state,
        local: target === 'gpu',
        source: state === 'stopped' ? null : 'poll',
        error: state === 'down' ? `${target} refused the connection` : null,
        ...extra,
      });
      const gpu = [
        event(START, 'gpu', 'up'),
        event(START + HOUR, 'gpu', 'down'),
        event(START + 2 * HOUR, 'gpu', 'up', { source: 'traffic' }),
        event(START + 3 * HOUR, 'gpu', 'stopped'),
        event(START + 4 * HOUR, 'gpu', 'up'),
      ];
      const cloud = [event(START + 30 * 60_000, 'anthropic', 'up', { source: 'traffic' }), event(START + 5 * HOUR, 'anthropic', 'down', { error: 'HTTP 529 overloaded' })];

      it('answers a window with its events and the event each target opens it in', async () => {
        const store = await freshStore();
        // Written out of time order and in two calls, as a monitor might after a failed write.
        await store.appendTargetEvents([...cloud, ...gpu.slice(0, 3)]);
        await store.appendTargetEvents(gpu.slice(3));
        await store.appendTargetEvents([]);

        const window = await store.targetEvents({ from: START + 90 * 60_000, to: START + 4 * HOUR });
        expect(window).toEqual([cloud[0], gpu[1], gpu[2], gpu[3]]);
        // `from` is inclusive, `to` exclusive; the opening event is the last one strictly before `from`.
        expect(await store.targetEvents({ from: START + HOUR, to: START + 2 * HOUR, target: 'gpu' })).toEqual([gpu[0], gpu[1]]);
        expect(await store.targetEvents({ from: START + 10 * HOUR, to: START + 11 * HOUR })).toEqual([gpu[4], cloud[1]]);
        expect(await store.targetEvents({ from: 0, to: START })).toEqual([]);
        expect(await store.targetEvents({ from: 0, to: START + 10 * HOUR, target: 'anthropic' })).toEqual(cloud);
        expect(await store.targetEvents({ from: 0, to: START + 10 * HOUR, target: 'nobody' })).toEqual([]);
      });

      it('keeps the order of events written in the same millisecond', async () => {
        const { store, reopen } = await fresh();
        const flaps = Array.from({ length: 7 }, (_, index) => event(START, 'gpu', index % 2 === 0 ? 'up' : 'down'));
        await store.appendTargetEvents(flaps);
        await store.appendTargetEvents([event(START, 'gpu', 'stopped')]);
        const expected = [...flaps, event(START, 'gpu', 'stopped')];
        expect(await store.targetEvents({ from: START, to: START + 1 })).toEqual(expected);
        // After it, the last of them is the state the next window opens in.
        expect(await store.targetEvents({ from: START + 1, to: START + 2 })).toEqual([event(START, 'gpu', 'stopped')]);
        await store.close();
        const again = await reopen();
        expect(await again.targetEvents({ from: START, to: START + 1 })).toEqual(expected);
      });
    });

    describe('drills', () => {
      const request = (n: number, extra: Partial<DrillRequest> = {}): DrillRequest => ({
        requestId: `drill_a-${n}`,
        dialect: n % 2 === 0 ? 'anthropic' : 'openai',
        stream: n > 2,
        model: 'kb-analysis',
        status: 200,
        target: 'anthropic/claude-haiku-5-5',
        fallback: 'upstream_unreachable',
        latencyMs: 12.5 + n,
        passed: true,
        reason: null,
        ...extra,
      });
      const passed: DrillRecord = {
        id: 'drill_a',
        startedAt: START + HOUR,
        endedAt: START + HOUR + 4_321,
        passed: true,
        endedBy: 'client',
        reason: null,
        localTargets: ['ollama', 'gpu-pool'],
        requests: [request(1), request(2), request(3)],
      };
      const failed: DrillRecord = {
        id: 'drill_b',
        startedAt: START + 3 * HOUR,
        endedAt: START + 3 * HOUR + 60_000,
        passed: false,
        endedBy: 'client',
        reason: '1 of 1 requests not answered by the cloud after a local failure; first: drill_b-1: HTTP 503: upstream_overloaded: “überlastet”',
        localTargets: ['ollama'],
        requests: [request(1, { requestId: 'drill_b-1', status: 503, target: null, fallback: null, passed: false, reason: 'HTTP 503: upstream_overloaded' })],
      };
      const abandoned: DrillRecord = { id: 'drill_c', startedAt: START + 5 * HOUR, endedAt: START + 5 * HOUR + 60_000, passed: false, endedBy: 'timeout', reason: 'the client never reported', localTargets: ['ollama'], requests: [] };

      it('stores drills and answers the ones started in a window, oldest first', async () => {
        const { store, reopen } = await fresh();
        await store.appendDrill(abandoned);
        await store.appendDrill(passed);
        await store.appendDrill(failed);
        expect(await store.drills({ from: 0, to: START + DAY })).toEqual([passed, failed, abandoned]);
        // `from` inclusive, `to` exclusive, by start time.
        expect(await store.drills({ from: START + HOUR, to: START + 3 * HOUR })).toEqual([passed]);
        expect(await store.drills({ from: START + HOUR + 1, to: START + 5 * HOUR + 1 })).toEqual([failed, abandoned]);
        expect(await store.drills({ from: 0, to: START })).toEqual([]);
        await store.close();
        const again = await reopen();
        expect(await again.drills({ from: 0, to: START + DAY })).toEqual([passed, failed, abandoned]);
      });

      it('ignores a drill it already has', async () => {
        const store = await freshStore();
        await store.appendDrill(passed);
        await store.appendDrill({ ...passed, passed: false, reason: 'a second report of the same drill' });
        expect(await store.drills({ from: 0, to: START + DAY })).toEqual([passed]);
      });
    });

    it('refuses calls after close with a LedgerStoreError', async () => {
      const store = await freshStore();
      await store.close();
      await store.close(); // twice is fine
      await expect(store.records({})).rejects.toBeInstanceOf(LedgerStoreError);
      await expect(store.append(generateRecords(1, { seed: 10, start: START, spanMs: HOUR }))).rejects.toThrow(/after close/);
    });
  });
}

function newestFirst(records: readonly LedgerRecord[]): LedgerRecord[] {
  return [...records].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
