import type { LedgerRecord } from './ledger-record.js';

/**
 * Where the ledger lives. Two implementations pass one test suite: SQLite (the embedded default,
 * a WAL file under ./data, written from a worker thread so the event loop never blocks on disk)
 * and PostgreSQL. Every method is async; none is called on a request's hot path except through
 * the Ledger's group-commit buffer.
 */
export interface LedgerStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema. Idempotent; safe to call on every start. */
  migrate(): Promise<void>;
  /**
   * Writes records and folds them into the rollups, in one transaction. A record whose id is
   * already stored is ignored (and not counted twice in the rollups), so a retried batch is safe.
   */
  append(records: readonly LedgerRecord[]): Promise<void>;
  /** Aggregates from the rollups (never a scan of raw records). Rows ordered by their group keys. */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Raw records, newest first, for inspection and tests. */
  records(query: RecordQuery): Promise<LedgerRecord[]>;
  /** Drops stored prompts and responses of records older than `before` (retention). Returns how many. */
  prunePayloads(before: number): Promise<number>;

  insertKey(key: StoredKey): Promise<void>;
  /** All keys, revoked ones included, oldest first. */
  listKeys(): Promise<StoredKey[]>;
  /** Looks a key up by the SHA-256 hex of its secret. */
  findKeyByHash(hash: string): Promise<StoredKey | undefined>;
  /** Marks a key revoked (by id). Returns false when no such key exists. */
  revokeKey(id: string, at: number): Promise<boolean>;

  /** Stores target state transitions (the monitor's uptime history), in the order given. */
  appendTargetEvents(events: readonly TargetEvent[]): Promise<void>;
  /**
   * The events with `from <= ts < to`, plus, for each target, its last event before `from` (the
   * state the window opens in). Ordered by time, then by the order they were appended.
   */
  targetEvents(query: TargetEventQuery): Promise<TargetEvent[]>;

  /** Flushes and closes. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** The dimensions usage can be grouped by. `day` and `hour` are UTC. `target` is `provider/model`. */
export type UsageDimension = 'hour' | 'day' | 'month' | 'key' | 'team' | 'task' | 'tier' | 'target' | 'provider' | 'local';

export interface UsageQuery {
  /** Inclusive, epoch ms; rounded down to the hour. Whole UTC days are read from daily rollups, the edges from hourly ones. */
  readonly since: number;
  /** Exclusive, epoch ms; rounded up to the hour. */
  readonly until: number;
  readonly groupBy: readonly UsageDimension[];
  readonly filter?: UsageFilter;
}

/** Every field narrows; `null` matches records without a value (e.g. no key). */
export interface UsageFilter {
  readonly keyId?: string | null;
  readonly team?: string | null;
  readonly task?: string | null;
  readonly tier?: string | null;
  /** `provider/model`. */
  readonly target?: string;
  readonly provider?: string;
  readonly local?: boolean;
}

export interface UsageRow {
  /**
   * The group's key, one entry per `groupBy` dimension: `hour`/`day`/`month` as ISO strings
   * (`2026-11-25T13:00:00Z`, `2026-11-25`, `2026-11`), `local` as boolean, the rest as string or null.
   */
  readonly group: Readonly<Record<string, string | boolean | null>>;
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly partial: number;
  readonly clientAborted: number;
  /** Requests answered by a target other than the first. */
  readonly fallbacks: number;
  readonly cacheHits: number;
  /** Requests whose token counts were estimated. */
  readonly estimated: number;
  readonly tokens: {
    readonly inputUncached: number;
    readonly cacheRead: number;
    readonly cacheWrite: number;
    readonly outputText: number;
    readonly outputReasoning: number;
  };
  /** Sum of known costs. */
  readonly costUsd: number;
  /** Requests whose cost is unknown (no price): not in costUsd. */
  readonly costUnknown: number;
  readonly referenceCostUsd: number;
  readonly referenceUnknown: number;
  /** Sum of known savings. */
  readonly savingsUsd: number;
  readonly latencyMsSum: number;
  readonly ttftMsSum: number;
  /** Requests with a ttft (streams that produced content). */
  readonly ttftCount: number;
  /** Upstream generation time and the output tokens generated in it (for tokens/second). */
  readonly generationMsSum: number;
  readonly generationOutputTokens: number;
}

export interface RecordQuery {
  readonly since?: number;
  readonly until?: number;
  readonly keyId?: string;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
}

/** Spend limits. Absent fields mean no limit. */
export interface BudgetSpec {
  readonly dailyUsd?: number;
  readonly monthlyUsd?: number;
  /** hard: refuse with `budget_exceeded` once spent; soft: warn only. */
  readonly mode: 'hard' | 'soft';
}

export interface RateLimitSpec {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

/** An API key as stored: never the secret, only its hash and a short prefix to recognise it by. */
export interface StoredKey {
  /** Stable id (`key_…`), used in the ledger and the CLI. */
  readonly id: string;
  readonly name: string;
  readonly team: string | null;
  /** SHA-256 hex of the whole secret. */
  readonly hash: string;
  /** The first characters of the secret (`tg_ab12…`), safe to show. */
  readonly prefix: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  readonly budget: BudgetSpec | null;
  readonly limits: RateLimitSpec | null;
}

/**
 * One change of a target's state, written by the monitor when it happens (not on every poll), so
 * uptime over any window is an integration over a handful of rows.
 */
export interface TargetEvent {
  /** When the state began, epoch ms. */
  readonly ts: number;
  /** Provider instance name from config. */
  readonly target: string;
  /** `stopped`: the gateway stopped watching (shutdown, target removed); unknown until the next event. */
  readonly state: 'up' | 'down' | 'stopped';
  /** Whether the target runs on our own hardware, as configured when the event was written. */
  readonly local: boolean;
  /** How the state was learned (`poll`, `traffic`, `probe`); null for `stopped`. */
  readonly source: string | null;
  /** Why it went down, in one line. */
  readonly error: string | null;
}

export interface TargetEventQuery {
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
  /** One target; absent = every target. */
  readonly target?: string;
}
