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

  /** Stores a fallback drill's result. A drill whose id is already stored is ignored. */
  appendDrill(drill: DrillRecord): Promise<void>;
  /** The drills that started in `[from, to)`, oldest first. */
  drills(query: DrillQuery): Promise<DrillRecord[]>;

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
  /**
   * Also sum the latency and TTFT histograms (`latencyBuckets`, `ttftBuckets`). Off by default:
   * they are 48 more columns per rollup row, which makes a query about twice as slow (1.5–2.4× on
   * a million-record ledger, sqlite-large-ledger.test.ts), and most reports (spend, savings,
   * budgets) have no use for them.
   */
  readonly histograms?: boolean;
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
  /** Latency of every request, answered or not (the mean is latencyMsSum / requests). */
  readonly latencyMsSum: number;
  readonly ttftMsSum: number;
  /** Requests with a ttft (streams that produced content). */
  readonly ttftCount: number;
  /** Upstream generation time and the output tokens generated in it (for tokens/second). */
  readonly generationMsSum: number;
  readonly generationOutputTokens: number;
  /**
   * Answered requests (outcome ok) per latency bucket of `LATENCY_BUCKET_BOUNDS_MS`
   * (latency-histogram.ts; the last entry counts those past the last bound): percentiles come from
   * here. Refused and failed requests are left out, as in `/metrics`' request-duration histogram.
   * Ledger migration 5 added them and filled them from the stored records. Present only when the
   * query asked for `histograms`.
   */
  readonly latencyBuckets?: readonly number[];
  /** The `ttftCount` requests per TTFT bucket, same layout; present with `latencyBuckets`. */
  readonly ttftBuckets?: readonly number[];
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

/**
 * One fallback drill (`tollgate drill`): for its duration the gateway made every local target fail
 * as a refused connection would, real requests were sent through it, and each was checked to have
 * been answered by the cloud after the local target failed. The trial scorecard reads these.
 */
export interface DrillRecord {
  /** `drill_…`, also the prefix of its requests' ids. */
  readonly id: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Every request was answered by a cloud target after a local one failed, within the drill. */
  readonly passed: boolean;
  /** `client`: ended by the CLI with its results; `timeout`: by the gateway at its max duration; `shutdown`: the gateway stopped. */
  readonly endedBy: 'client' | 'timeout' | 'shutdown';
  /** Why it failed, in one line; null when it passed. */
  readonly reason: string | null;
  /** The local providers the drill made fail. */
  readonly localTargets: readonly string[];
  readonly requests: readonly DrillRequest[];
}

/** One request of a drill, as its client saw it. */
export interface DrillRequest {
  /** The `x-request-id` it was sent with: its ledger record has this id. */
  readonly requestId: string;
  readonly dialect: 'openai' | 'anthropic';
  readonly stream: boolean;
  /** The `model` it asked for (an alias whose route starts on a local target). */
  readonly model: string;
  /** HTTP status; 0 when no response came. */
  readonly status: number;
  /** `x-tollgate-target`: who answered. */
  readonly target: string | null;
  /** `x-tollgate-fallback`: why the first target did not answer. */
  readonly fallback: string | null;
  /** Client-side, request sent to last byte read. */
  readonly latencyMs: number;
  readonly passed: boolean;
  /** Why it did not pass; null when it did. */
  readonly reason: string | null;
}

export interface DrillQuery {
  /** Inclusive, epoch ms (of the drill's start). */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
}
