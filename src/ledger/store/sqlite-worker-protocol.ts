import type { SyncLedgerStore } from './sqlite-ledger-database.js';

/** What the store's worker is started with. */
export interface SqliteWorkerData {
  readonly path: string;
}

/** One store method call, posted to the worker. A batch of records travels as one call. */
export interface SqliteCallOf<M extends keyof SyncLedgerStore> {
  readonly id: number;
  readonly method: M;
  readonly args: Parameters<SyncLedgerStore[M]>;
}

export type SqliteCall = { [M in keyof SyncLedgerStore]: SqliteCallOf<M> }[keyof SyncLedgerStore];

/** An error as it crosses the thread boundary (what structured clone keeps of it is not enough). */
export interface SqliteWorkerError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly stack: string | undefined;
}

/**
 * The worker's answer to one call. Id 0 answers the opening of the database, which the worker
 * does as it starts, before any call.
 */
export type SqliteReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SqliteWorkerError };

export const OPEN_CALL_ID = 0;
