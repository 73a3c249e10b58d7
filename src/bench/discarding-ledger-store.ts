import type { LedgerStore } from '../ledger/ledger-store.js';

/**
 * A store that keeps nothing: the bench's "no ledger" gateway, so the ledger's own cost on the
 * request path (building, pricing and queueing records) shows as the difference between the two.
 */
export function createDiscardingLedgerStore(): LedgerStore {
  return {
    kind: 'sqlite',
    migrate: async () => undefined,
    append: async () => undefined,
    usage: async () => [],
    records: async () => [],
    prunePayloads: async () => 0,
    insertKey: async () => undefined,
    listKeys: async () => [],
    findKeyByHash: async () => undefined,
    revokeKey: async () => false,
    appendTargetEvents: async () => undefined,
    targetEvents: async () => [],
    appendDrill: async () => undefined,
    drills: async () => [],
    close: async () => undefined,
  };
}
