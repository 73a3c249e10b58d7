/**
 * One ledger record per request, whatever happened: the proof behind every cost and savings
 * figure. Records are written once and never updated; rollups are derived from them as they arrive.
 */

/** How the request ended for the client. */
export type LedgerOutcome =
  /** A complete answer. */
  | 'ok'
  /** No answer: every target failed, or the request was refused (bad input, budget, rate limit, auth). */
  | 'error'
  /** A stream that failed after its first byte reached the client: the client has part of an answer. */
  | 'partial'
  /** The client went away before the answer was complete. */
  | 'client_aborted';

/** One try of one target, or the decision not to try it (the executor's Attempt, as stored). */
export interface LedgerAttempt {
  /** `provider/model`. */
  readonly ref: string;
  readonly outcome: 'ok' | 'error' | 'skipped';
  /** Our stable error code, on error. */
  readonly code?: string;
  /** The upstream's HTTP status, when there was a response. */
  readonly status?: number;
  /** Why it was skipped, or the error message. */
  readonly reason?: string;
  readonly latencyMs: number;
  /** 0 for the first try on this target. */
  readonly retry: number;
}

/** Tokens as billed: each counter a price applies to, kept apart. Unknown counts are 0 with `estimated` set. */
export interface LedgerTokens {
  /** Prompt tokens billed at the plain input price. */
  readonly inputUncached: number;
  /** Prompt tokens read from a provider's prompt cache. */
  readonly cacheRead: number;
  /** Prompt tokens written to a provider's prompt cache. */
  readonly cacheWrite: number;
  /** Generated text (and tool-call) tokens. */
  readonly outputText: number;
  /** Generated reasoning tokens. */
  readonly outputReasoning: number;
  /** True when any count was estimated with a tokenizer because the upstream reported none. */
  readonly estimated: boolean;
}

export interface LedgerRecord {
  /** The gateway's request id (`x-request-id`); unique. */
  readonly id: string;
  /** When the request arrived, epoch milliseconds. */
  readonly ts: number;
  /** The caller's key id, or null for an unauthenticated loopback caller. */
  readonly keyId: string | null;
  readonly team: string | null;
  /** Which API the client spoke. */
  readonly dialect: 'openai' | 'anthropic';
  /** What was asked for: `chat` or `embeddings`. */
  readonly endpoint: 'chat' | 'embeddings';
  readonly stream: boolean;
  /** The `model` the client sent (an alias or `provider/model`); null when the body could not be read. */
  readonly requestedModel: string | null;
  readonly task: string | null;
  readonly priority: string | null;
  readonly tier: string | null;
  /** The routing rule that chose the targets, and why, in words. */
  readonly rule: string | null;
  readonly routeReason: string | null;
  /** Why the first target did not answer, when another did. */
  readonly fallbackReason: string | null;
  readonly attempts: readonly LedgerAttempt[];
  /** The provider instance and model that answered (or last failed); null when nobody was called. */
  readonly provider: string | null;
  readonly model: string | null;
  /** True when the answering target runs on our own hardware. */
  readonly local: boolean;
  /** `hit` when the answer came from the response cache (nobody was called, nothing was spent). */
  readonly cache: 'hit' | 'miss' | null;
  readonly tokens: LedgerTokens;
  /** What the call cost: cloud list price, or local energy. Null when the price is unknown (never a silent 0). */
  readonly costUsd: number | null;
  /** The reference cloud model for this request's task (`provider/model`), whose price defines savings. */
  readonly referenceModel: string | null;
  /** What the reference model would have charged for the same input and output tokens; null when unknown. */
  readonly referenceCostUsd: number | null;
  /** referenceCostUsd − costUsd; null when either is unknown. */
  readonly savingsUsd: number | null;
  /** Time to the first content part (streams), milliseconds from arrival. */
  readonly ttftMs: number | null;
  /** Arrival to the last byte, milliseconds. */
  readonly latencyMs: number;
  /** Upstream generation time when the upstream reported it (Ollama's eval_duration), else null. */
  readonly generationMs: number | null;
  readonly outcome: LedgerOutcome;
  /** The status the client got (200 for a stream that started, even if it later failed). */
  readonly httpStatus: number;
  /** Our stable error code when the outcome is not ok. */
  readonly errorCode: string | null;
  /** Parameters a target could not honour, and pricing warnings (`price unknown for …`). */
  readonly warnings: readonly string[];
  /** Stored only when prompt storage is on (off by default). */
  readonly prompt?: unknown;
  readonly response?: unknown;
}
