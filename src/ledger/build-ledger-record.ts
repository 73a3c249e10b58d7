import type { Usage } from '../core/index.js';
import type { LedgerRecord, LedgerTokens } from './ledger-record.js';

/**
 * What the request path knows about one request when it ends: the record less what pricing
 * derives, with the target that answered (or was last tried) and the plan's first cloud target
 * (the default reference for savings).
 */
export type RequestFacts = Omit<LedgerRecord, 'provider' | 'model' | 'local' | 'costUsd' | 'referenceModel' | 'referenceCostUsd' | 'savingsUsd'> & {
  readonly target: { readonly provider: string; readonly model: string; readonly local: boolean } | null;
  readonly cloudFallback: string | undefined;
};

/** What pricing must answer for a record (src/pricing's PriceBook satisfies it). */
export interface RecordPricing {
  cost(
    target: { readonly provider: string; readonly model: string; readonly local: boolean },
    tokens: LedgerTokens,
    timing: { readonly generationMs: number | null; readonly latencyMs: number },
    at: Date,
  ): { usd: number } | { usd: null; warning: string };
  referenceFor(task: string | null, fallback: string | undefined): string | null;
  referenceCost(ref: string, tokens: LedgerTokens, at: Date): { usd: number } | { usd: null; warning: string };
}

export const NO_TOKENS: LedgerTokens = Object.freeze({ inputUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, outputReasoning: 0, estimated: false });

/**
 * Prices a finished request and shapes its record. A cache hit or a request nobody answered costs
 * nothing and saves nothing; an unknown price is recorded as null with a warning, never as $0.
 */
export function buildLedgerRecord(facts: RequestFacts, pricing: RecordPricing): LedgerRecord {
  let warnings = facts.warnings;
  let costUsd: number | null = 0;
  let referenceModel: string | null = null;
  let referenceCostUsd: number | null = 0;
  const target = facts.target;
  if (target !== null && facts.cache !== 'hit' && hasTokens(facts.tokens)) {
    const at = new Date(facts.ts);
    const cost = pricing.cost(target, facts.tokens, { generationMs: facts.generationMs, latencyMs: facts.latencyMs }, at);
    costUsd = cost.usd;
    if (cost.usd === null) warnings = warnings.concat(cost.warning);
    referenceModel = pricing.referenceFor(facts.task, facts.cloudFallback);
    if (referenceModel === null) referenceCostUsd = null;
    else {
      const reference = pricing.referenceCost(referenceModel, facts.tokens, at);
      referenceCostUsd = reference.usd;
      if (reference.usd === null) warnings = warnings.concat(reference.warning);
    }
  }
  // Spelled out rather than spread: one record per request, on the request path's CPU.
  const record: LedgerRecord = {
    id: facts.id,
    ts: facts.ts,
    keyId: facts.keyId,
    team: facts.team,
    dialect: facts.dialect,
    endpoint: facts.endpoint,
    stream: facts.stream,
    requestedModel: facts.requestedModel,
    task: facts.task,
    priority: facts.priority,
    tier: facts.tier,
    rule: facts.rule,
    routeReason: facts.routeReason,
    fallbackReason: facts.fallbackReason,
    attempts: facts.attempts,
    provider: target?.provider ?? null,
    model: target?.model ?? null,
    local: target?.local ?? false,
    cache: facts.cache,
    tokens: facts.tokens,
    costUsd,
    referenceModel,
    referenceCostUsd,
    savingsUsd: costUsd === null || referenceCostUsd === null ? null : referenceCostUsd - costUsd,
    ttftMs: facts.ttftMs,
    latencyMs: facts.latencyMs,
    generationMs: facts.generationMs,
    outcome: facts.outcome,
    httpStatus: facts.httpStatus,
    errorCode: facts.errorCode,
    warnings,
  };
  if (facts.prompt !== undefined) return { ...record, prompt: facts.prompt, ...(facts.response !== undefined ? { response: facts.response } : {}) };
  return record;
}

function hasTokens(tokens: LedgerTokens): boolean {
  return tokens.inputUncached + tokens.cacheRead + tokens.cacheWrite + tokens.outputText + tokens.outputReasoning > 0;
}

/**
 * Usage as billed. Counts the provider did not report come from the estimates (and the record
 * says so); cache reads and writes are parts of the prompt, counted once.
 */
export function tokensFromUsage(usage: Usage | undefined, estimate: { input?: number; output?: number } = {}): LedgerTokens {
  const input = usage?.inputTokens ?? {};
  const output = usage?.outputTokens ?? {};
  const cacheRead = input.cacheRead ?? 0;
  const cacheWrite = input.cacheWrite ?? 0;
  let estimated = usage?.estimated === true;
  let inputUncached = input.noCache ?? (input.total !== undefined ? Math.max(0, input.total - cacheRead - cacheWrite) : undefined);
  // Ollama reports noCache 0 with an unknown total when its prompt cache served everything:
  // bill the estimated prompt rather than nothing.
  if ((inputUncached === undefined || (input.total === undefined && inputUncached === 0 && input.cacheRead === undefined)) && estimate.input !== undefined) {
    inputUncached = estimate.input;
    estimated = true;
  }
  const reasoning = output.reasoning ?? 0;
  let outputText = output.text ?? (output.total !== undefined ? Math.max(0, output.total - reasoning) : undefined);
  if (outputText === undefined && estimate.output !== undefined) {
    outputText = estimate.output;
    estimated = true;
  }
  return { inputUncached: inputUncached ?? 0, cacheRead, cacheWrite, outputText: outputText ?? 0, outputReasoning: reasoning, estimated };
}

/** True when usage lacks a count the ledger needs, so the caller should estimate. */
export function usageNeedsEstimate(usage: Usage | undefined): { input: boolean; output: boolean } {
  if (!usage) return { input: true, output: true };
  const input = usage.inputTokens;
  const inputKnown = input.noCache !== undefined ? !(input.total === undefined && input.noCache === 0 && input.cacheRead === undefined) : input.total !== undefined;
  const output = usage.outputTokens;
  return { input: !inputKnown, output: output.text === undefined && output.total === undefined };
}

/** Ollama reports eval_duration in nanoseconds in its raw usage: the GPU's generation time. */
export function generationMsFromUsage(usage: Usage | undefined): number | null {
  const raw = usage?.raw;
  if (typeof raw !== 'object' || raw === null || !('eval_duration' in raw)) return null;
  const ns = (raw as { eval_duration?: unknown }).eval_duration;
  const prompt = (raw as { prompt_eval_duration?: unknown }).prompt_eval_duration;
  if (typeof ns !== 'number') return null;
  return (ns + (typeof prompt === 'number' ? prompt : 0)) / 1e6;
}
