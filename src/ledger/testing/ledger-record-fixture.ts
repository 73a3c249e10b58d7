import type { LedgerRecord } from '../ledger-record.js';

export const NO_TOKENS: LedgerRecord['tokens'] = { inputUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, outputReasoning: 0, estimated: false };

/**
 * A whole ledger record for tests: an answered, unpriced, zero-token local chat call unless
 * `fields` say otherwise. Each test names only what it is about.
 */
export function ledgerRecord(fields: Partial<LedgerRecord> & Pick<LedgerRecord, 'id' | 'ts'>): LedgerRecord {
  return {
    keyId: null,
    team: null,
    dialect: 'openai',
    endpoint: 'chat',
    stream: false,
    requestedModel: null,
    task: null,
    priority: null,
    tier: null,
    rule: null,
    routeReason: null,
    fallbackReason: null,
    attempts: [],
    provider: 'ollama',
    model: 'llama3.2',
    local: true,
    cache: null,
    tokens: NO_TOKENS,
    costUsd: 0,
    referenceModel: null,
    referenceCostUsd: null,
    savingsUsd: null,
    ttftMs: null,
    latencyMs: 0,
    generationMs: null,
    outcome: 'ok',
    httpStatus: 200,
    errorCode: null,
    warnings: [],
    ...fields,
  };
}
