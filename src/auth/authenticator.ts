import { isIPv4 } from 'node:net';
import { AuthenticationError } from '../core/index.js';
import type { LedgerStore, StoredKey } from '../ledger/ledger-store.js';
import { hashKey, KEY_SECRET_PREFIX } from './api-keys.js';

/** Who is calling, as the rest of the request sees it (routing matches on keyId and team). */
export interface Caller {
  /** The key's id; null for a key-less loopback caller (allowed only while no keys exist). */
  readonly keyId: string | null;
  readonly team: string | null;
  /** The key as stored (budget, limits); absent for a key-less caller. */
  readonly key?: StoredKey;
}

/** What authentication reads from a request: the two headers clients put keys in, and the socket's peer. */
export interface AuthRequest {
  /** `Authorization` (OpenAI clients: `Bearer <key>`). */
  readonly authorization?: string;
  /** `x-api-key` (Anthropic clients). */
  readonly xApiKey?: string;
  /**
   * The TCP peer (`request.socket.remoteAddress`), never a forwarded-for header: behind a reverse
   * proxy on the same host every caller looks local, so keys must exist before such a deployment.
   */
  readonly remoteAddress: string | undefined;
}

export interface AuthenticatorOptions {
  readonly store: Pick<LedgerStore, 'findKeyByHash' | 'listKeys'>;
  readonly now?: () => number;
  /**
   * How long a key lookup (found, not found, revoked) and the "do any keys exist" fact are trusted.
   * Keys are created and revoked by the CLI in another process, so this is how long a revocation
   * takes to bite and how long an unknown key keeps being refused.
   */
  readonly cacheTtlMs?: number;
  /** Most key lookups cached at once; the oldest go first. Bounds memory under a spray of made-up keys. */
  readonly maxCachedKeys?: number;
}

export interface Authenticator {
  /** Resolves to the caller, or rejects with a 401 `authentication_failed`. */
  authenticate(request: AuthRequest): Promise<Caller>;
  /**
   * The caller at once when the cache already accepts this request (the common case), else
   * undefined: then `authenticate` decides (a store lookup, or a refusal with its reason).
   */
  authenticateNow(request: AuthRequest): Caller | undefined;
  /** Forgets every cached lookup (after this process created or revoked a key itself). */
  invalidate(): void;
}

const KEYLESS_CALLER: Caller = Object.freeze({ keyId: null, team: null });

const NO_KEYS_MESSAGE = 'no API keys exist yet: create one with `tollgate keys create`; until then only local callers are accepted';

interface Cached<T> {
  readonly value: T;
  readonly expires: number;
}

/** A key lookup's answer: the caller (handed back as is, so a hit allocates nothing) or why it is refused. */
type KeyResult = Caller | { readonly refused: string };

/**
 * Checks the key on each request. The hot path is one SHA-256 and a Map lookup: the store is asked
 * at most once per key (and once for "do any active keys exist") per TTL, concurrent requests with
 * the same key share one lookup, and the secret itself is never kept, logged or echoed; only its hash.
 * When the store fails, the last answer for a key is reused rather than locking everyone out.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { store } = options;
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 10_000;
  const maxCachedKeys = options.maxCachedKeys ?? 10_000;

  const keys = new Map<string, Cached<KeyResult>>();
  const keyLoads = new Map<string, Promise<KeyResult>>();
  let anyActive: Cached<boolean> | undefined;
  let anyActiveLoad: Promise<boolean> | undefined;

  function lookUp(hash: string): Promise<KeyResult> {
    const cached = keys.get(hash);
    if (cached && now() < cached.expires) return Promise.resolve(cached.value);
    let load = keyLoads.get(hash);
    if (!load) {
      load = store
        .findKeyByHash(hash)
        .then(
          (key) => {
            const value = toResult(key);
            keys.delete(hash); // re-insert at the end: Map order is the eviction order
            keys.set(hash, { value, expires: now() + ttl });
            if (keys.size > maxCachedKeys) {
              const oldest = keys.keys().next();
              if (!oldest.done) keys.delete(oldest.value);
            }
            return value;
          },
          (error: unknown) => {
            if (cached) return cached.value; // store down: the last answer beats locking everyone out
            throw error;
          },
        )
        .finally(() => keyLoads.delete(hash));
      keyLoads.set(hash, load);
    }
    return load;
  }

  function activeKeysExist(): Promise<boolean> {
    if (anyActive && now() < anyActive.expires) return Promise.resolve(anyActive.value);
    anyActiveLoad ??= store
      .listKeys()
      .then(
        (all) => {
          const value = all.some((key) => key.revokedAt === null);
          anyActive = { value, expires: now() + ttl };
          return value;
        },
        (error: unknown) => {
          if (anyActive) return anyActive.value;
          throw error;
        },
      )
      .finally(() => {
        anyActiveLoad = undefined;
      });
    return anyActiveLoad;
  }

  return {
    async authenticate(request) {
      const secret = presentedSecret(request);
      const keysExist = await activeKeysExist();
      if (secret === undefined) {
        if (!keysExist) {
          if (isLoopback(request.remoteAddress)) return KEYLESS_CALLER;
          throw new AuthenticationError(NO_KEYS_MESSAGE);
        }
        throw new AuthenticationError('missing API key: send Authorization: Bearer <key> or x-api-key: <key>');
      }
      const result = await lookUp(hashKey(secret));
      if ('refused' in result) {
        // While no keys exist, a loopback caller is let in whatever it sends: SDKs insist on some
        // key (`sk-local`, the upstream's own), and asking for ours would break them all.
        if (!keysExist && isLoopback(request.remoteAddress)) return KEYLESS_CALLER;
        // Elsewhere a key cannot be valid while none exist; say why rather than just "invalid".
        throw new AuthenticationError(keysExist ? result.refused : `invalid API key: ${NO_KEYS_MESSAGE}`);
      }
      // A valid key while we believed none existed: the CLI just created the first one.
      if (!keysExist) anyActive = { value: true, expires: now() + ttl };
      return result;
    },
    authenticateNow(request) {
      const time = now();
      if (!anyActive || time >= anyActive.expires) return undefined;
      const keysExist = anyActive.value;
      const secret = presentedSecret(request);
      const keyless = !keysExist && isLoopback(request.remoteAddress) ? KEYLESS_CALLER : undefined;
      if (secret === undefined) return keyless;
      const cached = keys.get(hashKey(secret));
      if (!cached || time >= cached.expires) return undefined;
      if ('refused' in cached.value) return keyless;
      return keysExist ? cached.value : undefined;
    },
    invalidate() {
      keys.clear();
      anyActive = undefined;
    },
  };
}

function toResult(key: StoredKey | undefined): KeyResult {
  if (!key) return { refused: 'invalid API key' };
  if (key.revokedAt !== null) return { refused: 'API key revoked' };
  return Object.freeze({ keyId: key.id, team: key.team, key });
}

/**
 * The key from `Authorization: Bearer` or `x-api-key`. When a client sends both (the Anthropic SDK
 * with an auth token and an API key), the one that looks like ours wins.
 */
function presentedSecret(request: AuthRequest): string | undefined {
  const bearer = bearerToken(request.authorization);
  const apiKey = request.xApiKey?.trim() || undefined;
  if (bearer !== undefined && apiKey !== undefined && !bearer.startsWith(KEY_SECRET_PREFIX) && apiKey.startsWith(KEY_SECRET_PREFIX)) return apiKey;
  return bearer ?? apiKey;
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback (`::ffff:127.0.0.1`, what a dual-stack socket reports). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') && isIPv4(v4);
}
