import type { BudgetSpec, RateLimitSpec, StoredKey } from '../ledger-store.js';

export const STORED_KEY_COLUMNS = ['id', 'name', 'team', 'hash', 'prefix', 'created_at', 'revoked_at', 'budget', 'limits'] as const;

/** An `api_keys` row: budget and limits as JSON text. */
export interface StoredKeyRow {
  readonly id: string;
  readonly name: string;
  readonly team: string | null;
  readonly hash: string;
  readonly prefix: string;
  readonly created_at: number;
  readonly revoked_at: number | null;
  readonly budget: string | null;
  readonly limits: string | null;
}

/** A key's values in STORED_KEY_COLUMNS order. */
export function keyToRow(key: StoredKey): (string | number | null)[] {
  return [
    key.id,
    key.name,
    key.team,
    key.hash,
    key.prefix,
    key.createdAt,
    key.revokedAt,
    key.budget === null ? null : JSON.stringify(key.budget),
    key.limits === null ? null : JSON.stringify(key.limits),
  ];
}

export function rowToKey(row: StoredKeyRow): StoredKey {
  return {
    id: row.id,
    name: row.name,
    team: row.team,
    hash: row.hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    budget: row.budget === null ? null : (JSON.parse(row.budget) as BudgetSpec),
    limits: row.limits === null ? null : (JSON.parse(row.limits) as RateLimitSpec),
  };
}
