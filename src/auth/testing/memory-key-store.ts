import type { LedgerRecord } from '../../ledger/ledger-record.js';
import type { LedgerStore, StoredKey } from '../../ledger/ledger-store.js';
import { bruteForceUsage } from '../../ledger/store/testing/brute-force-usage.js';

/** The parts of LedgerStore that access uses. */
export type AccessStore = Pick<LedgerStore, 'insertKey' | 'listKeys' | 'findKeyByHash' | 'revokeKey' | 'append' | 'usage'>;

export interface MemoryKeyStore extends AccessStore {
  /** How many times each method was called: tests assert on cache hits with these. */
  readonly calls: { insertKey: number; listKeys: number; findKeyByHash: number; revokeKey: number; append: number; usage: number };
  /** While set, every method rejects with this (a database outage). */
  failWith: Error | undefined;
}


/**
 * An in-memory stand-in for the parts of the ledger store access uses: keys, and `usage` computed
 * from appended records with the real store's semantics (hourly bounds, filters where `null` matches
 * records without a value, UTC group labels). The real stores are tested by their own suite.
 */
export function createMemoryKeyStore(): MemoryKeyStore {
  const keys: StoredKey[] = [];
  const records = new Map<string, LedgerRecord>();
  const calls = { insertKey: 0, listKeys: 0, findKeyByHash: 0, revokeKey: 0, append: 0, usage: 0 };

  const store: MemoryKeyStore = {
    calls,
    failWith: undefined,
    async insertKey(key) {
      calls.insertKey += 1;
      failIfAsked();
      if (keys.some((existing) => existing.id === key.id || existing.hash === key.hash)) throw new Error(`duplicate key ${key.id}`);
      keys.push({ ...key });
    },
    async listKeys() {
      calls.listKeys += 1;
      failIfAsked();
      return keys.map((key) => ({ ...key }));
    },
    async findKeyByHash(hash) {
      calls.findKeyByHash += 1;
      failIfAsked();
      const key = keys.find((candidate) => candidate.hash === hash);
      return key ? { ...key } : undefined;
    },
    async revokeKey(id, at) {
      calls.revokeKey += 1;
      failIfAsked();
      const index = keys.findIndex((key) => key.id === id);
      const key = keys[index];
      if (!key) return false;
      keys[index] = { ...key, revokedAt: at };
      return true;
    },
    async append(batch) {
      calls.append += 1;
      failIfAsked();
      for (const record of batch) if (!records.has(record.id)) records.set(record.id, record);
    },
    async usage(query) {
      calls.usage += 1;
      failIfAsked();
      // The ledger store suite's oracle: usage computed from the records themselves.
      return bruteForceUsage([...records.values()], query);
    },
  };

  function failIfAsked(): void {
    if (store.failWith) throw store.failWith;
  }

  return store;
}

let recordSeq = 0;

/** A ledger record with plausible defaults; tests set what they are about (ts, keyId, team, local, costUsd). */
export function makeRecord(fields: Partial<LedgerRecord> & Pick<LedgerRecord, 'ts'>): LedgerRecord {
  recordSeq += 1;
  return {
    id: `req_${recordSeq}`,
    keyId: null,
    team: null,
    dialect: 'openai',
    endpoint: 'chat',
    stream: false,
    requestedModel: 'auto',
    task: null,
    priority: null,
    tier: null,
    rule: null,
    routeReason: null,
    fallbackReason: null,
    attempts: [],
    provider: 'openai',
    model: 'gpt-4o',
    local: false,
    cache: null,
    tokens: { inputUncached: 100, cacheRead: 0, cacheWrite: 0, outputText: 50, outputReasoning: 0, estimated: false },
    costUsd: 0.01,
    referenceModel: null,
    referenceCostUsd: null,
    savingsUsd: null,
    ttftMs: null,
    latencyMs: 100,
    generationMs: null,
    outcome: 'ok',
    httpStatus: 200,
    errorCode: null,
    warnings: [],
    ...fields,
  };
}
