import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../core/index.js';
import type { BudgetSpec, LedgerStore, RateLimitSpec, StoredKey } from '../ledger/ledger-store.js';
import { budgetSpecSchema, rateLimitSpecSchema } from './auth-config-schema.js';

/**
 * Virtual API keys. The secret is shown once, at creation; the store keeps only its SHA-256 and a
 * short prefix to recognise it by. SHA-256 without a salt is enough here: the secrets are 192
 * random bits, not passwords, so there is nothing to brute-force, and a plain hash lets every
 * request be checked with one indexed lookup.
 */

/** Every secret starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const KEY_SECRET_PREFIX = 'tg_';
/** How much of the secret is stored and shown (`tg_` + 7 characters): enough to tell keys apart, useless to an attacker. */
const SHOWN_PREFIX_LENGTH = 10;

export interface GeneratedKey {
  /** `tg_` + 32 url-safe random characters (192 bits). Shown once, never stored. */
  readonly secret: string;
  /** SHA-256 hex of the secret: what the store keeps. */
  readonly hash: string;
  /** The first characters of the secret, safe to show. */
  readonly prefix: string;
}

export function generateKey(): GeneratedKey {
  const secret = KEY_SECRET_PREFIX + randomBytes(24).toString('base64url');
  return { secret, hash: hashKey(secret), prefix: secret.slice(0, SHOWN_PREFIX_LENGTH) };
}

/** SHA-256 hex of a secret, as `StoredKey.hash` holds it. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface NewKeyInput {
  /** What the key is for (`ci`, `kb-analyzer`); shown in lists and budget messages. */
  readonly name: string;
  readonly team?: string | null;
  readonly budget?: BudgetSpec | null;
  readonly limits?: RateLimitSpec | null;
}

export interface CreatedKey {
  readonly key: StoredKey;
  /** The only copy of the secret: print it once. */
  readonly secret: string;
}

export async function createKey(store: Pick<LedgerStore, 'insertKey'>, input: NewKeyInput, now: number): Promise<CreatedKey> {
  const name = input.name.trim();
  if (name.length === 0) throw new InvalidRequestError('A key needs a name.', { param: 'name' });
  const team = input.team?.trim() || null;
  const budget = input.budget ? parseSpec(budgetSpecSchema, input.budget, 'budget') : null;
  const limits = input.limits ? parseSpec(rateLimitSpecSchema, input.limits, 'limits') : null;
  const { secret, hash, prefix } = generateKey();
  const key: StoredKey = { id: `key_${randomBytes(8).toString('hex')}`, name, team, hash, prefix, createdAt: now, revokedAt: null, budget, limits };
  await store.insertKey(key);
  return { key, secret };
}

function parseSpec<S extends z.ZodType>(schema: S, value: unknown, param: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError(`Invalid ${param}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}.`, { param });
}

/** All keys, revoked ones included, oldest first. */
export function listKeys(store: Pick<LedgerStore, 'listKeys'>): Promise<StoredKey[]> {
  return store.listKeys();
}

export interface RevokedKey {
  /** The key as it is now (revokedAt set). */
  readonly key: StoredKey;
  /** True when it had been revoked before this call (nothing changed). */
  readonly alreadyRevoked: boolean;
}

/**
 * Revokes a key named by its id (`key_…`) or its shown prefix (`tg_AbCdEfG`, with or without the
 * trailing `…`). A prefix that matches several keys is refused rather than guessed.
 */
export async function revokeKey(store: Pick<LedgerStore, 'listKeys' | 'revokeKey'>, idOrPrefix: string, now: number): Promise<RevokedKey> {
  const wanted = idOrPrefix.trim().replace(/…$/, '');
  if (wanted.length === 0) throw new InvalidRequestError('Name the key to revoke by its id or prefix.');
  const keys = await store.listKeys();
  const byId = keys.find((key) => key.id === wanted);
  const matches = byId ? [byId] : keys.filter((key) => key.prefix === wanted);
  const [key] = matches;
  if (!key) throw new NotFoundError(`No API key with id or prefix '${wanted}'.`);
  if (matches.length > 1) {
    throw new InvalidRequestError(`The prefix '${wanted}' matches ${matches.length} keys (${matches.map((match) => match.id).join(', ')}); revoke by id.`);
  }
  if (key.revokedAt !== null) return { key, alreadyRevoked: true };
  if (!(await store.revokeKey(key.id, now))) throw new NotFoundError(`No API key with id '${key.id}'.`);
  return { key: { ...key, revokedAt: now }, alreadyRevoked: false };
}
