import type { LedgerRecord } from '../ledger/ledger-record.js';
import type { BudgetSpec, LedgerStore, UsageRow } from '../ledger/ledger-store.js';
import type { BudgetsConfig } from './auth-config-schema.js';
import { BudgetExceededError, type BudgetPeriod, type BudgetScope } from './auth-errors.js';
import { silentLogger, type AuthLogger } from './auth-logger.js';
import type { Caller } from './authenticator.js';

export interface BudgetGuardOptions {
  readonly store: Pick<LedgerStore, 'usage' | 'listKeys'>;
  readonly config: BudgetsConfig;
  readonly now?: () => number;
  /** How often spend is re-read from the store (other processes' spend, corrections). */
  readonly refreshMs?: number;
  /**
   * Records produced but not yet in the store: wire `() => ledger.pendingRecords()`. A refresh sets
   * each total to what the store holds plus these, so a record counts once whether or not its
   * batch has been written yet. Absent: nothing is pending (tests, or a store written synchronously).
   */
  readonly pendingRecords?: () => Iterable<LedgerRecord>;
  readonly logger?: AuthLogger;
}

export type BudgetDecision =
  | { readonly allow: true; readonly warnings: readonly string[] }
  | {
      readonly allow: false;
      readonly error: BudgetExceededError;
      /**
       * True when the caller may still run the plan's local targets (`onCloudExhausted: local`): keep
       * only those, and answer with `error` when there are none.
       */
      readonly localOnly: boolean;
      readonly warnings: readonly string[];
    };

/** One budget as a dashboard shows it. */
export interface BudgetState {
  readonly scope: BudgetScope;
  /** The key id or team name; null for the global budget. */
  readonly id: string | null;
  /** The key's name, the team's, or `global`. */
  readonly name: string;
  readonly period: BudgetPeriod;
  /** The current UTC day or month, epoch ms, and when it ends. */
  readonly periodStart: number;
  readonly resetsAt: number;
  readonly limitUsd: number;
  readonly spentUsd: number;
  readonly mode: 'hard' | 'soft';
  readonly exceeded: boolean;
}

export interface BudgetGuard {
  /** Reads this month's spend from the store and starts the periodic refresh. Rejects if the store cannot be read. */
  start(): Promise<void>;
  /** Re-reads spend from the store now. Concurrent calls share one read. */
  refresh(): Promise<void>;
  /** Counts one record's cost, as it is produced (wire to `ledger.observe`). O(1). */
  observe(record: LedgerRecord): void;
  /** Synchronous and O(1): whether the caller may spend now. */
  check(caller: Caller): BudgetDecision;
  state(): BudgetState[];
  /** Stops the refresh timer. */
  close(): void;
}

interface Spend {
  day: number;
  month: number;
}

interface Periods {
  readonly dayStart: number;
  readonly dayEnd: number;
  readonly monthStart: number;
  readonly monthEnd: number;
  /** `YYYY-MM-DD`, as the store labels a `day` group. */
  readonly dayLabel: string;
}

interface Totals {
  readonly global: Spend;
  readonly byKey: Map<string, Spend>;
  readonly byTeam: Map<string, Spend>;
}

const PERIODS: readonly BudgetPeriod[] = ['day', 'month'];
const NO_WARNINGS: readonly string[] = Object.freeze([]);
const ALLOW: BudgetDecision = Object.freeze({ allow: true, warnings: NO_WARNINGS });

/**
 * Spend per scope (each key, each team, everything) for the current UTC day and month, held in
 * memory so `check` costs a few Map lookups. Totals start from the store's hourly rollups, grow with
 * every record observed, and are re-read every `refreshMs`, which also brings in what other gateway
 * processes sharing the store spent. A refresh that fails keeps the in-memory totals (logged).
 *
 * Budgets apply to what has been spent: the request that crosses a limit completes, the next one is
 * refused. A limit of 0 refuses all (cloud) spend, which with `onCloudExhausted: local` makes a
 * key or team local-only.
 */
export function createBudgetGuard(options: BudgetGuardOptions): BudgetGuard {
  const { store, config } = options;
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 30_000;
  const logger = options.logger ?? silentLogger;
  const pendingRecords = options.pendingRecords ?? (() => []);
  const localOnly = config.onCloudExhausted === 'local' && !config.countLocal;
  const budgetWord = config.countLocal ? 'budget' : 'cloud budget';
  const teamBudgets = new Map(Object.entries(config.teams));

  let periods = periodsAt(now());
  let totals = emptyTotals();
  /** Keys with a budget, for `state()`: from the store at each refresh and from callers seen since. */
  let keyBudgets = new Map<string, { name: string; budget: BudgetSpec }>();
  /** `scope:id:period:start` of budgets already logged as exceeded this period. */
  const logged = new Set<string>();
  let refreshing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** Soft-budget warnings of the check in progress (check is synchronous, so one is in progress at a time). */
  let warnings: string[] | undefined;

  /** Moves to the current day and month when the clock has passed into a new one. */
  function roll(): void {
    const time = now();
    if (time >= periods.dayStart && time < periods.dayEnd) return;
    const next = periodsAt(time);
    const newMonth = next.monthStart !== periods.monthStart;
    periods = next;
    if (newMonth) logged.clear(); // entries name their period, so within a month they only accumulate a few a day
    for (const spend of allSpends(totals)) {
      spend.day = 0;
      if (newMonth) spend.month = 0;
    }
  }

  function counts(record: LedgerRecord): boolean {
    return record.costUsd !== null && record.costUsd > 0 && (config.countLocal || !record.local);
  }

  function add(into: Totals, at: Periods, ts: number, costUsd: number, keyId: string | null, team: string | null): void {
    if (ts < at.monthStart || ts >= at.monthEnd) return;
    const day = ts >= at.dayStart && ts < at.dayEnd ? costUsd : 0;
    addTo(into.global, day, costUsd);
    if (keyId !== null) addTo(spendOf(into.byKey, keyId), day, costUsd);
    if (team !== null) addTo(spendOf(into.byTeam, team), day, costUsd);
  }

  async function readStore(): Promise<void> {
    for (;;) {
      roll();
      const at = periods;
      const [rows, keys] = await Promise.all([
        store.usage({
          since: at.monthStart,
          until: at.monthEnd,
          groupBy: ['day', 'key', 'team'],
          filter: config.countLocal ? undefined : { local: false },
        }),
        store.listKeys(),
      ]);
      roll();
      if (periods !== at) continue; // the day turned while we read: read the new one
      const fresh = emptyTotals();
      for (const row of rows) addRow(fresh, at, row);
      for (const record of pendingRecords()) if (counts(record)) add(fresh, at, record.ts, record.costUsd ?? 0, record.keyId, record.team);
      totals = fresh;
      keyBudgets = new Map(keys.flatMap((key) => (key.revokedAt === null && key.budget ? [[key.id, { name: key.name, budget: key.budget }]] : [])));
      return;
    }
  }

  function addRow(into: Totals, at: Periods, row: UsageRow): void {
    const { day, key, team } = row.group;
    const dayCost = day === at.dayLabel ? row.costUsd : 0;
    addTo(into.global, dayCost, row.costUsd);
    if (typeof key === 'string') addTo(spendOf(into.byKey, key), dayCost, row.costUsd);
    if (typeof team === 'string') addTo(spendOf(into.byTeam, team), dayCost, row.costUsd);
  }

  function refresh(): Promise<void> {
    refreshing ??= readStore().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  /** The first hard budget of this scope that is spent; soft ones that are spent add to `warnings`. */
  function checkScope(scope: BudgetScope, id: string | null, name: string, spec: BudgetSpec, spend: Spend | undefined): BudgetExceededError | undefined {
    for (const period of PERIODS) {
      const limitUsd = period === 'day' ? spec.dailyUsd : spec.monthlyUsd;
      if (limitUsd === undefined) continue;
      const spentUsd = spend?.[period] ?? 0;
      if (spentUsd < limitUsd) continue;
      const resetsAt = period === 'day' ? periods.dayEnd : periods.monthEnd;
      const who = scope === 'global' ? 'the gateway' : `${scope} ${name}`;
      const spentText = `${who} spent ${usd(spentUsd)} of its ${usd(limitUsd)} ${period === 'day' ? 'daily' : 'monthly'} ${budgetWord}`;
      const logKey = `${scope}:${id ?? ''}:${period}:${period === 'day' ? periods.dayStart : periods.monthStart}`;
      if (!logged.has(logKey)) {
        logged.add(logKey);
        logger.warn(
          { scope, id, period, limitUsd, spentUsd, mode: spec.mode },
          spec.mode === 'hard' ? (localOnly ? 'budget spent: cloud targets refused' : 'budget spent: requests refused') : 'soft budget exceeded',
        );
      }
      if (spec.mode === 'soft') {
        (warnings ??= []).push(`Soft budget exceeded: ${spentText}.`);
        continue;
      }
      return new BudgetExceededError({
        scope,
        scopeId: id,
        period,
        limitUsd,
        spentUsd,
        resetsAt,
        message: `Budget exceeded: ${spentText}. It resets at ${new Date(resetsAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      });
    }
    return undefined;
  }

  function decide(caller: Caller): BudgetExceededError | undefined {
    const key = caller.key;
    if (key?.budget) {
      if (!keyBudgets.has(key.id)) keyBudgets.set(key.id, { name: key.name, budget: key.budget });
      const error = checkScope('key', key.id, key.name, key.budget, totals.byKey.get(key.id));
      if (error) return error;
    }
    if (caller.team !== null) {
      const spec = teamBudgets.get(caller.team);
      if (spec) {
        const error = checkScope('team', caller.team, caller.team, spec, totals.byTeam.get(caller.team));
        if (error) return error;
      }
    }
    return config.global ? checkScope('global', null, 'global', config.global, totals.global) : undefined;
  }

  return {
    async start() {
      await refresh();
      timer ??= setInterval(() => {
        refresh().catch((error: unknown) => logger.error({ err: error }, 'budgets: cannot read spend from the store; using in-memory totals'));
      }, refreshMs);
      timer.unref();
    },
    refresh,
    observe(record) {
      if (!counts(record)) return;
      roll();
      add(totals, periods, record.ts, record.costUsd ?? 0, record.keyId, record.team);
    },
    check(caller) {
      roll();
      warnings = undefined;
      const error = decide(caller);
      const found = warnings ?? NO_WARNINGS;
      warnings = undefined;
      if (error) return { allow: false, error, localOnly, warnings: found };
      return found === NO_WARNINGS ? ALLOW : { allow: true, warnings: found };
    },
    state() {
      roll();
      const states: BudgetState[] = [];
      const push = (scope: BudgetScope, id: string | null, name: string, spec: BudgetSpec, spend: Spend | undefined) => {
        for (const period of PERIODS) {
          const limitUsd = period === 'day' ? spec.dailyUsd : spec.monthlyUsd;
          if (limitUsd === undefined) continue;
          const spentUsd = spend?.[period] ?? 0;
          states.push({
            scope,
            id,
            name,
            period,
            periodStart: period === 'day' ? periods.dayStart : periods.monthStart,
            resetsAt: period === 'day' ? periods.dayEnd : periods.monthEnd,
            limitUsd,
            spentUsd,
            mode: spec.mode,
            exceeded: spentUsd >= limitUsd,
          });
        }
      };
      if (config.global) push('global', null, 'global', config.global, totals.global);
      for (const [team, spec] of teamBudgets) push('team', team, team, spec, totals.byTeam.get(team));
      for (const [id, { name, budget }] of keyBudgets) push('key', id, name, budget, totals.byKey.get(id));
      return states;
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

function periodsAt(time: number): Periods {
  const date = new Date(time);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const dayStart = Date.UTC(year, month, date.getUTCDate());
  return {
    dayStart,
    dayEnd: dayStart + 86_400_000,
    monthStart: Date.UTC(year, month, 1),
    monthEnd: Date.UTC(year, month + 1, 1),
    dayLabel: new Date(dayStart).toISOString().slice(0, 10),
  };
}

function emptyTotals(): Totals {
  return { global: { day: 0, month: 0 }, byKey: new Map(), byTeam: new Map() };
}

function* allSpends(totals: Totals): Iterable<Spend> {
  yield totals.global;
  yield* totals.byKey.values();
  yield* totals.byTeam.values();
}

function spendOf(map: Map<string, Spend>, id: string): Spend {
  let spend = map.get(id);
  if (!spend) map.set(id, (spend = { day: 0, month: 0 }));
  return spend;
}

function addTo(spend: Spend, dayUsd: number, monthUsd: number): void {
  spend.day += dayUsd;
  spend.month += monthUsd;
}

function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
