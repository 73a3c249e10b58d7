import type { OllamaCallOptions } from './chat-call.js';

/**
 * What routing decides and execution carries out. Routing is pure (request metadata + config +
 * mode → RoutePlan); execution runs the plan against live providers. The plan is data, so
 * `POST /v1/route/explain` can show it without calling anyone.
 */

export type Priority = 'high' | 'medium' | 'low';
export type AgentTier = 'L1' | 'L2' | 'L3';

/** The kill switch: `auto` routes by policy; the others force every new request to one side. */
export type RoutingMode = 'auto' | 'cloud-only' | 'local-only';

/** What the caller told us about a request (headers `x-tollgate-*` or body `metadata`), plus the model it named. */
export interface RequestMeta {
  /** The `model` field as sent: an alias (`kb-analysis`, `auto`) or `provider/model`. */
  readonly model: string;
  readonly task?: string;
  readonly priority?: Priority;
  readonly tier?: AgentTier;
  /** The caller's key id and team, once keys exist (ledger issue). */
  readonly key?: string;
  readonly team?: string;
  /** Rough prompt size in tokens, for the complexity estimate behind `model: auto`. */
  readonly estimatedInputTokens?: number;
  /** True when the request carries tools, images or a JSON schema (capability hints). */
  readonly hasTools?: boolean;
  readonly hasImages?: boolean;
}

/** One place a request can go. */
export interface RouteTarget {
  /** `provider/model`, as in config and headers. */
  readonly ref: string;
  /** Provider instance name from config. */
  readonly provider: string;
  readonly modelId: string;
  /** Runs on our own hardware (Ollama, OpenAI-compatible local servers): costs energy, not tokens. */
  readonly local: boolean;
  /** Local-model settings (context window, keep-alive) from the alias or rule. */
  readonly ollama?: OllamaCallOptions;
}

export interface RetryPolicy {
  /** Retries on the same target after the first attempt (0 = go straight to the next target). */
  readonly maxRetries: number;
  /** First backoff; doubles each retry, with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** An upstream's retry-after is honoured up to this; longer waits move on to the next target. */
  readonly maxRetryAfterMs: number;
}

export interface Timeouts {
  /** One attempt, non-streaming: until the whole answer; streaming: until the upstream answered 200. */
  readonly attemptMs: number;
  /** Streaming: from sending the request until the first content part (covers model load time). */
  readonly firstTokenMs: number;
  /** The whole request, all attempts and fallbacks included. */
  readonly totalMs: number;
  /** How long a request may wait for a slot on a full local host before overflowing to the next target. */
  readonly queueWaitMs: number;
}

export interface RoutePlan {
  /** The rule that chose the targets (`rules.kb-analysis`, `alias:summary`, `explicit`). */
  readonly rule: string;
  /** Why, in words, for headers and the ledger. */
  readonly reason: string;
  /** In order: primary first, then fallbacks. */
  readonly targets: ReadonlyArray<RouteTarget>;
  /** Targets the rule named but the mode or a gate removed, and why. */
  readonly skipped: ReadonlyArray<{ readonly ref: string; readonly reason: string }>;
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  /** Exact-match response cache for this rule; absent = off. */
  readonly cache?: { readonly ttlMs: number };
  readonly mode: RoutingMode;
}
