import type { LedgerStore } from '../ledger-store.js';
import { createPostgresLedgerStore } from './postgres-ledger-store.js';
import { createSqliteLedgerStore } from './sqlite-ledger-store.js';

export interface OpenLedgerStoreOptions {
  /** Create or upgrade the schema before returning (default true). */
  readonly migrate?: boolean;
  /** Postgres connections kept open (default 4). */
  readonly poolSize?: number;
}

export type LedgerLocation = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

/**
 * Where `ledger.url` points: `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite:<path>`
 * (`sqlite:///abs/path` too), a bare file path, or `:memory:` is SQLite.
 */
export function parseLedgerUrl(url: string): LedgerLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    const rest = url.slice('sqlite:'.length);
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '') throw new Error(`ledger url '${url}' names no file: use sqlite:./data/tollgate.db or sqlite::memory:`);
    return { kind: 'sqlite', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) throw new Error(`ledger url: unsupported scheme '${scheme[1]}:' (expected sqlite:<path> or postgres://…)`);
  return { kind: 'sqlite', path: url };
}

/** Opens the store `url` names (see parseLedgerUrl), migrated unless told otherwise. */
export async function openLedgerStore(url: string, options: OpenLedgerStoreOptions = {}): Promise<LedgerStore> {
  const location = parseLedgerUrl(url);
  const store =
    location.kind === 'sqlite'
      ? await createSqliteLedgerStore({ path: location.path })
      : createPostgresLedgerStore({ url: location.url, poolSize: options.poolSize });
  if (options.migrate === false) return store;
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
