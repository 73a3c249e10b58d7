/**
 * What the rest of the gateway reads from the target monitor: each target's live state and its
 * uptime over a window. `/api/status`, `/metrics` and the dashboard depend on this, not on how the
 * monitor learns it (polling local hosts, real traffic outcomes, optional cloud probes).
 */

/** A target here is a configured provider instance (`ollama`, `anthropic`, ...). */
export type TargetState = 'up' | 'down' | 'unknown';

/** How the current state was learned. */
export type StateSource = 'poll' | 'traffic' | 'probe';

/** A model resident on an Ollama host (`/api/ps`). */
export interface LoadedModel {
  readonly name: string;
  readonly vramBytes: number;
  /** When Ollama will unload it, ms since the epoch; absent when it never expires. */
  readonly expiresAt?: number;
}

export interface HostStatus {
  readonly url: string;
  readonly state: TargetState;
  readonly version?: string;
  readonly latencyMs?: number;
  readonly error?: string;
  readonly loaded: readonly LoadedModel[];
}

export interface TargetStatus {
  /** Provider instance name from config. */
  readonly target: string;
  /** `ollama`, `openai`, `openai-compatible`, `anthropic`. */
  readonly kind: string;
  /** Runs on our own hardware. */
  readonly local: boolean;
  readonly state: TargetState;
  /** When the current state began (ms since the epoch); absent while unknown. */
  readonly since?: number;
  /** Last time the state was confirmed by a poll, a probe or a real call. */
  readonly checkedAt?: number;
  readonly source?: StateSource;
  readonly latencyMs?: number;
  /** Why it is down, in one line. */
  readonly error?: string;
  /** Ollama pools: one entry per host (a pool is up while any host is). */
  readonly hosts?: readonly HostStatus[];
}

export interface UptimeQuery {
  /** Window, ms since the epoch, [from, to). */
  readonly from: number;
  readonly to: number;
  /** One target; absent = all that have any history. */
  readonly target?: string;
  /** Split the window into UTC days, ISO weeks (from Monday) or months: one row per target per period. Absent: one row per target. */
  readonly period?: UptimePeriod;
}

export type UptimePeriod = 'day' | 'week' | 'month';

export interface UptimeRow {
  readonly target: string;
  /** With `period`: the period's start, `2026-11-25` (day, week: its Monday) or `2026-11` (month). */
  readonly period?: string;
  readonly local: boolean;
  readonly upMs: number;
  readonly downMs: number;
  /** Time in the window with no knowledge (before the first observation, gateway not running). Time after now is not counted at all. */
  readonly unknownMs: number;
  /** upMs / (upMs + downMs); null when nothing was observed in the window. */
  readonly uptime: number | null;
  /** Up-to-down transitions in the window. */
  readonly outages: number;
}

export interface MonitorView {
  /** Every configured target, in config order. Synchronous: from memory. */
  statuses(): TargetStatus[];
  /** Uptime per target over the window, from the stored transitions. */
  uptime(query: UptimeQuery): Promise<UptimeRow[]>;
}
