import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import type { StoredKey } from '../ledger/ledger-store.js';
import { budgetsConfigSchema, type BudgetsConfigInput } from './auth-config-schema.js';
import { BudgetExceededError } from './auth-errors.js';
import type { AuthLogger } from './auth-logger.js';
import type { Caller } from './authenticator.js';
import { createBudgetGuard, type BudgetDecision } from './budget-guard.js';
import { createMemoryKeyStore, makeRecord } from './testing/memory-key-store.js';

const NOV_30_2300 = Date.UTC(2026, 10, 30, 23, 0); // an hour before both a new UTC day and a new month

function key(fields: Partial<StoredKey> & Pick<StoredKey, 'id'>): StoredKey {
  return { name: fields.id.replace('key_', ''), team: null, hash: fields.id, prefix: 'tg_x', createdAt: 0, revokedAt: null, budget: null, limits: null, ...fields };
}

function callerOf(stored: StoredKey): Caller {
  return { keyId: stored.id, team: stored.team, key: stored };
}

function recordingLogger() {
  const lines: { level: string; fields: object; message: string }[] = [];
  const logger: AuthLogger = {
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
  return { logger, lines };
}

function setup(config: BudgetsConfigInput, options: { start?: number; pending?: () => Iterable<LedgerRecord> } = {}) {
  const store = createMemoryKeyStore();
  const clock = { time: options.start ?? NOV_30_2300 };
  const { logger, lines } = recordingLogger();
  const guard = createBudgetGuard({ store, config: budgetsConfigSchema.parse(config), now: () => clock.time, logger, pendingRecords: options.pending });
  const spend = (stored: StoredKey | null, costUsd: number, fields: Partial<LedgerRecord> = {}) =>
    guard.observe(makeRecord({ ts: clock.time, keyId: stored?.id ?? null, team: stored?.team ?? null, costUsd, ...fields }));
  return { store, clock, guard, spend, lines };
}

function denial(decision: BudgetDecision) {
  if (decision.allow) throw new Error('expected the budget guard to refuse');
  return decision;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('budget guard: scopes and modes', () => {
  it("refuses a key once its own hard budget is spent, naming scope, period, limit and spend (402, not retryable)", () => {
    const ci = key({ id: 'key_ci', budget: { dailyUsd: 1, mode: 'hard' } });
    const { guard, spend } = setup({});
    spend(ci, 0.6);
    expect(guard.check(callerOf(ci))).toEqual({ allow: true, warnings: [] });
    spend(ci, 0.45); // the request that crosses the limit was allowed; the next is not
    const { error, localOnly } = denial(guard.check(callerOf(ci)));
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ status: 402, code: 'budget_exceeded', isRetryable: false, scope: 'key', scopeId: 'key_ci', period: 'day', limitUsd: 1 });
    expect(error.spentUsd).toBeCloseTo(1.05);
    expect(error.message).toBe('Budget exceeded: key ci spent $1.05 of its $1.00 daily cloud budget. It resets at 2026-12-01 00:00 UTC.');
    expect(localOnly).toBe(true);
  });

  it("checks the key's team and the global budget; other teams are unaffected", () => {
    const a = key({ id: 'key_a', team: 'research' });
    const b = key({ id: 'key_b', team: 'research' });
    const c = key({ id: 'key_c', team: 'support' });
    const { guard, spend } = setup({ teams: { research: { monthlyUsd: 200 } }, global: { monthlyUsd: 500 } });
    spend(a, 120);
    spend(b, 80.13);
    const { error } = denial(guard.check(callerOf(a)));
    expect(error.message).toBe('Budget exceeded: team research spent $200.13 of its $200.00 monthly cloud budget. It resets at 2026-12-01 00:00 UTC.');
    expect(guard.check(callerOf(c)).allow).toBe(true);

    spend(c, 300);
    expect(denial(guard.check(callerOf(c))).error.message).toMatch(/^Budget exceeded: the gateway spent \$500\.13 of its \$500\.00 monthly cloud budget\./);
    expect(denial(guard.check({ keyId: null, team: null })).error.scope).toBe('global'); // key-less callers spend the global budget too
  });

  it('soft budgets never refuse: they warn, and log once per scope and period', () => {
    const a = key({ id: 'key_a', team: 'research', budget: { dailyUsd: 1, mode: 'soft' } });
    const { guard, spend, lines } = setup({ teams: { research: { monthlyUsd: 2, mode: 'soft' } } });
    spend(a, 5);
    const decision = guard.check(callerOf(a));
    expect(decision).toEqual({
      allow: true,
      warnings: [
        'Soft budget exceeded: key a spent $5.00 of its $1.00 daily cloud budget.',
        'Soft budget exceeded: team research spent $5.00 of its $2.00 monthly cloud budget.',
      ],
    });
    guard.check(callerOf(a));
    guard.check(callerOf(a));
    expect(lines.map((line) => [line.level, line.message, (line.fields as { scope: string }).scope])).toEqual([
      ['warn', 'soft budget exceeded', 'key'],
      ['warn', 'soft budget exceeded', 'team'],
    ]);
  });

  it('a spent hard budget wins over soft warnings, which are still reported', () => {
    const a = key({ id: 'key_a', team: 'research', budget: { dailyUsd: 1, mode: 'soft' } });
    const { guard, spend } = setup({ teams: { research: { dailyUsd: 2 } } });
    spend(a, 3);
    const decision = denial(guard.check(callerOf(a)));
    expect(decision.error.scope).toBe('team');
    expect(decision.warnings).toEqual(['Soft budget exceeded: key a spent $3.00 of its $1.00 daily cloud budget.']);
  });

  it('a limit of 0 refuses all cloud spend from the start (a local-only team)', () => {
    const a = key({ id: 'key_a', team: 'interns' });
    const { guard } = setup({ teams: { interns: { dailyUsd: 0 } } });
    expect(denial(guard.check(callerOf(a)))).toMatchObject({ localOnly: true });
  });
});

describe('budget guard: local calls and the exhausted decision', () => {
  it('countLocal off (default): local energy cost does not consume the budget', () => {
    const a = key({ id: 'key_a', budget: { dailyUsd: 1, mode: 'hard' } });
    const { guard, spend } = setup({});
    spend(a, 5, { local: true });
    expect(guard.check(callerOf(a)).allow).toBe(true);
  });

  it('countLocal on: local cost counts, and an exhausted budget rejects (local would spend it too)', () => {
    const a = key({ id: 'key_a', budget: { dailyUsd: 1, mode: 'hard' } });
    const { guard, spend } = setup({ countLocal: true });
    spend(a, 5, { local: true });
    const { error, localOnly } = denial(guard.check(callerOf(a)));
    expect(localOnly).toBe(false);
    expect(error.message).toContain('of its $1.00 daily budget.');
  });

  it('onCloudExhausted: reject refuses outright', () => {
    const a = key({ id: 'key_a', budget: { dailyUsd: 1, mode: 'hard' } });
    const { guard, spend } = setup({ onCloudExhausted: 'reject' });
    spend(a, 2);
    expect(denial(guard.check(callerOf(a))).localOnly).toBe(false);
  });

  it('records without a known cost count nothing', () => {
    const a = key({ id: 'key_a', budget: { dailyUsd: 1, mode: 'hard' } });
    const { guard } = setup({});
    guard.observe(makeRecord({ ts: NOV_30_2300, keyId: 'key_a', costUsd: null }));
    expect(guard.check(callerOf(a)).allow).toBe(true);
  });
});

describe('budget guard: UTC periods', () => {
  it('a new UTC day resets daily spend; a new UTC month resets monthly spend', () => {
    const a = key({ id: 'key_a', budget: { dailyUsd: 10, monthlyUsd: 15, mode: 'hard' } });
    const { guard, spend, clock } = setup({}, { start: Date.UTC(2026, 10, 29, 23, 59, 59, 999) });
    spend(a, 10);
    expect(denial(guard.check(callerOf(a))).error.period).toBe('day');
    clock.time += 1; // 2026-11-30T00:00Z
    expect(guard.check(callerOf(a)).allow).toBe(true);
    spend(a, 6);
    const { error } = denial(guard.check(callerOf(a)));
    expect(error).toMatchObject({ period: 'month', spentUsd: 16 });
    expect(error.message).toContain('It resets at 2026-12-01 00:00 UTC.');
    clock.time = Date.UTC(2026, 11, 1); // December
    expect(guard.check(callerOf(a)).allow).toBe(true);
    expect(guard.state().map((s) => [s.period, s.spentUsd])).toEqual([
      ['day', 0],
      ['month', 0],
    ]);
  });

  it("a record that arrived before midnight but finished after counts for its own day's month, not today", () => {
    const a = key({ id: 'key_a', budget: { dailyUsd: 1, monthlyUsd: 100, mode: 'hard' } });
    const { guard, clock } = setup({}, { start: Date.UTC(2026, 10, 15, 23, 59) });
    clock.time = Date.UTC(2026, 10, 16, 0, 1);
    guard.observe(makeRecord({ ts: Date.UTC(2026, 10, 15, 23, 59), keyId: 'key_a', costUsd: 5 }));
    expect(guard.check(callerOf(a)).allow).toBe(true);
    expect(guard.state().find((s) => s.period === 'month')?.spentUsd).toBe(5);
  });
});

describe('budget guard: the store', () => {
  it('start() reads this month from the store (cloud only), with day and month apart', async () => {
    const a = key({ id: 'key_a', team: 'research', budget: { dailyUsd: 5, monthlyUsd: 50, mode: 'hard' } });
    const { guard, store, clock } = setup({ teams: { research: { monthlyUsd: 40 } }, global: { dailyUsd: 100 } });
    await store.insertKey(a);
    await store.append([
      makeRecord({ ts: Date.UTC(2026, 9, 31, 12), keyId: 'key_a', team: 'research', costUsd: 1000 }), // last month
      makeRecord({ ts: Date.UTC(2026, 10, 2, 12), keyId: 'key_a', team: 'research', costUsd: 30 }),
      makeRecord({ ts: Date.UTC(2026, 10, 30, 1), keyId: 'key_a', team: 'research', costUsd: 4 }),
      makeRecord({ ts: Date.UTC(2026, 10, 30, 2), keyId: 'key_a', team: 'research', costUsd: 999, local: true }),
      makeRecord({ ts: Date.UTC(2026, 10, 30, 3), keyId: null, team: null, costUsd: 2 }),
    ]);
    await guard.start();
    guard.close();
    expect(store.calls.usage).toBe(1);
    expect(guard.state()).toEqual([
      { scope: 'global', id: null, name: 'global', period: 'day', periodStart: Date.UTC(2026, 10, 30), resetsAt: Date.UTC(2026, 11, 1), limitUsd: 100, spentUsd: 6, mode: 'hard', exceeded: false },
      { scope: 'team', id: 'research', name: 'research', period: 'month', periodStart: Date.UTC(2026, 10, 1), resetsAt: Date.UTC(2026, 11, 1), limitUsd: 40, spentUsd: 34, mode: 'hard', exceeded: false },
      { scope: 'key', id: 'key_a', name: 'a', period: 'day', periodStart: Date.UTC(2026, 10, 30), resetsAt: Date.UTC(2026, 11, 1), limitUsd: 5, spentUsd: 4, mode: 'hard', exceeded: false },
      { scope: 'key', id: 'key_a', name: 'a', period: 'month', periodStart: Date.UTC(2026, 10, 1), resetsAt: Date.UTC(2026, 11, 1), limitUsd: 50, spentUsd: 34, mode: 'hard', exceeded: false },
    ]);
    guard.observe(makeRecord({ ts: clock.time, keyId: 'key_a', team: 'research', costUsd: 6 }));
    expect(denial(guard.check(callerOf(a))).error).toMatchObject({ scope: 'key', period: 'day', spentUsd: 10 });
  });

  it('a refresh counts each record once, whether it is still pending or already written', async () => {
    const pending: LedgerRecord[] = [];
    const { guard, store, clock } = setup({ global: { dailyUsd: 100 } }, { pending: () => pending });
    await guard.start();
    guard.close();
    const spent = () => guard.state()[0]?.spentUsd;

    const record = makeRecord({ ts: clock.time, costUsd: 3 });
    guard.observe(record); // the ledger calls observers, then queues the record
    pending.push(record);
    expect(spent()).toBe(3);
    await guard.refresh();
    expect(spent()).toBe(3);

    await store.append(pending.splice(0)); // the batch is written
    await guard.refresh();
    expect(spent()).toBe(3);
  });

  it("a refresh brings in other processes' spend", async () => {
    const { guard, store, clock } = setup({ global: { monthlyUsd: 10 } });
    await guard.start();
    guard.close();
    expect(guard.check({ keyId: null, team: null }).allow).toBe(true);
    await store.append([makeRecord({ ts: clock.time, costUsd: 12 })]);
    expect(guard.check({ keyId: null, team: null }).allow).toBe(true);
    await guard.refresh();
    expect(guard.check({ keyId: null, team: null }).allow).toBe(false);
  });

  it('refreshes every refreshMs; a failed refresh keeps the in-memory totals and logs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = createMemoryKeyStore();
    const { logger, lines } = recordingLogger();
    const guard = createBudgetGuard({ store, config: budgetsConfigSchema.parse({ global: { dailyUsd: 10 } }), now: () => NOV_30_2300, refreshMs: 1_000, logger });
    await guard.start();
    expect(store.calls.usage).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.calls.usage).toBe(2);

    guard.observe(makeRecord({ ts: NOV_30_2300, costUsd: 4 }));
    store.failWith = new Error('connection refused');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lines.map((line) => line.message)).toEqual(['budgets: cannot read spend from the store; using in-memory totals']);
    expect(guard.state()[0]?.spentUsd).toBe(4);
    guard.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.calls.usage).toBe(3);
  });

  it('a read that spans midnight is done again for the new day', async () => {
    const { guard, store, clock } = setup({ global: { dailyUsd: 1 } }, { start: Date.UTC(2026, 10, 29, 23, 59) });
    await store.append([makeRecord({ ts: Date.UTC(2026, 10, 29, 12), costUsd: 5 })]);
    const usage = store.usage.bind(store);
    store.usage = async (query) => {
      const rows = await usage(query);
      clock.time = Date.UTC(2026, 10, 30, 0, 1); // midnight passes while the query runs
      return rows;
    };
    await guard.refresh();
    expect(store.calls.usage).toBe(2);
    expect(guard.state()[0]).toMatchObject({ periodStart: Date.UTC(2026, 10, 30), spentUsd: 0 });
  });

  it('start() rejects when the store cannot be read', async () => {
    const { guard, store } = setup({});
    store.failWith = new Error('no such table: rollups');
    await expect(guard.start()).rejects.toThrow('no such table');
  });

  it('state() lists keys with budgets from the store, without revoked ones', async () => {
    const { guard, store } = setup({});
    await store.insertKey(key({ id: 'key_a', budget: { monthlyUsd: 5, mode: 'soft' } }));
    await store.insertKey(key({ id: 'key_b', budget: { monthlyUsd: 5, mode: 'hard' }, revokedAt: 1 }));
    await store.insertKey(key({ id: 'key_c' }));
    await guard.refresh();
    expect(guard.state().map((s) => [s.id, s.period, s.mode])).toEqual([['key_a', 'month', 'soft']]);
  });
});

describe('budget guard: the hot path', () => {
  it('an allowed check without warnings allocates nothing new', () => {
    const a = key({ id: 'key_a', team: 'research', budget: { dailyUsd: 1, mode: 'hard' } });
    const { guard } = setup({ teams: { research: { dailyUsd: 1 } }, global: { dailyUsd: 1 } });
    expect(guard.check(callerOf(a))).toBe(guard.check(callerOf(a)));
  });
});
