import type { LedgerRecord } from '../../ledger/ledger-record.js';
import type { LedgerStore, StoredKey, UsageDimension, UsageQuery, UsageRow } from '../../ledger/ledger-store.js';

/** The parts of LedgerStore that access uses. */
export type AccessStore = Pick<LedgerStore, 'insertKey' | 'listKeys' | 'findKeyByHash' | 'revokeKey' | 'append' | 'usage'>;

export interface MemoryKeyStore extends AccessStore {
  /** How many times each method was called: tests assert on cache hits with these. */
  readonly calls: { insertKey: number; listKeys: number; findKeyByHash: number; revokeKey: number; append: number; usage: number };
  /** While set, every method rejects with this (a database outage). */
  failWith: Error | undefined;
}

const HOUR = 3_600_000;

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
      return usage([...records.values()], query);
    },
  };

  function failIfAsked(): void {
    if (store.failWith) throw store.failWith;
  }

  return store;
}

function usage(all: LedgerRecord[], query: UsageQuery): UsageRow[] {
  const since = Math.floor(query.since / HOUR) * HOUR;
  const until = Math.ceil(query.until / HOUR) * HOUR;
  const filter = query.filter ?? {};
  const groups = new Map<string, { group: Record<string, string | boolean | null>; records: LedgerRecord[] }>();
  for (const record of all) {
    if (record.ts < since || record.ts >= until) continue;
    if (filter.keyId !== undefined && record.keyId !== filter.keyId) continue;
    if (filter.team !== undefined && record.team !== filter.team) continue;
    if (filter.task !== undefined && record.task !== filter.task) continue;
    if (filter.tier !== undefined && record.tier !== filter.tier) continue;
    if (filter.local !== undefined && record.local !== filter.local) continue;
    if (filter.provider !== undefined && record.provider !== filter.provider) continue;
    if (filter.target !== undefined && `${record.provider}/${record.model}` !== filter.target) continue;
    const group = Object.fromEntries(query.groupBy.map((dimension) => [dimension, groupValue(record, dimension)]));
    const id = JSON.stringify(query.groupBy.map((dimension) => group[dimension]));
    let entry = groups.get(id);
    if (!entry) groups.set(id, (entry = { group, records: [] }));
    entry.records.push(record);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, { group, records }]) => row(group, records));
}

function groupValue(record: LedgerRecord, dimension: UsageDimension): string | boolean | null {
  const iso = new Date(record.ts).toISOString();
  switch (dimension) {
    case 'hour':
      return `${iso.slice(0, 13)}:00:00Z`;
    case 'day':
      return iso.slice(0, 10);
    case 'month':
      return iso.slice(0, 7);
    case 'key':
      return record.keyId;
    case 'team':
      return record.team;
    case 'task':
      return record.task;
    case 'tier':
      return record.tier;
    case 'target':
      return record.provider === null ? null : `${record.provider}/${record.model}`;
    case 'provider':
      return record.provider;
    case 'local':
      return record.local;
  }
}

function row(group: Record<string, string | boolean | null>, records: LedgerRecord[]): UsageRow {
  const sum = (pick: (record: LedgerRecord) => number) => records.reduce((total, record) => total + pick(record), 0);
  const count = (test: (record: LedgerRecord) => boolean) => records.filter(test).length;
  return {
    group,
    requests: records.length,
    ok: count((r) => r.outcome === 'ok'),
    errors: count((r) => r.outcome === 'error'),
    partial: count((r) => r.outcome === 'partial'),
    clientAborted: count((r) => r.outcome === 'client_aborted'),
    fallbacks: count((r) => r.fallbackReason !== null),
    cacheHits: count((r) => r.cache === 'hit'),
    estimated: count((r) => r.tokens.estimated),
    tokens: {
      inputUncached: sum((r) => r.tokens.inputUncached),
      cacheRead: sum((r) => r.tokens.cacheRead),
      cacheWrite: sum((r) => r.tokens.cacheWrite),
      outputText: sum((r) => r.tokens.outputText),
      outputReasoning: sum((r) => r.tokens.outputReasoning),
    },
    costUsd: sum((r) => r.costUsd ?? 0),
    costUnknown: count((r) => r.costUsd === null),
    referenceCostUsd: sum((r) => r.referenceCostUsd ?? 0),
    referenceUnknown: count((r) => r.referenceCostUsd === null),
    savingsUsd: sum((r) => r.savingsUsd ?? 0),
    latencyMsSum: sum((r) => r.latencyMs),
    ttftMsSum: sum((r) => r.ttftMs ?? 0),
    ttftCount: count((r) => r.ttftMs !== null),
    generationMsSum: sum((r) => r.generationMs ?? 0),
    generationOutputTokens: sum((r) => (r.generationMs === null ? 0 : r.tokens.outputText + r.tokens.outputReasoning)),
  };
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
