import type { GatewayError } from './errors.js';
import type { ReasoningPart, TextPart, ToolCallPart } from './chat-call.js';

/**
 * Token usage shaped for money: the counters each price applies to, kept apart.
 * A counter the provider did not report is `undefined`, never 0.
 */
export interface Usage {
  readonly inputTokens: {
    /** All prompt tokens: noCache + cacheRead + cacheWrite. */
    readonly total?: number;
    /** Prompt tokens billed at the plain input price. */
    readonly noCache?: number;
    /** Prompt tokens read from the provider's prompt cache. */
    readonly cacheRead?: number;
    /** Prompt tokens written to the provider's prompt cache. */
    readonly cacheWrite?: number;
  };
  readonly outputTokens: {
    /** All generated tokens: text + reasoning. */
    readonly total?: number;
    readonly text?: number;
    readonly reasoning?: number;
  };
  /** True when the counts were estimated by a tokenizer rather than reported by the provider. */
  readonly estimated?: boolean;
  /** The provider's own usage object, untouched, for audit. */
  readonly raw?: unknown;
}

export const EMPTY_USAGE: Usage = Object.freeze({ inputTokens: {}, outputTokens: {} });

/** Why generation stopped: our unified value plus the provider's raw string. */
export interface FinishReason {
  readonly unified: 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';
  /** The provider's own value (`end_turn`, `done_reason:"stop"`, …). */
  readonly raw?: string;
}

/** A parameter the target could not honour. Reported, never silently dropped. */
export interface CallWarning {
  /** The canonical parameter name (`seed`, `toolChoice`, …). */
  readonly setting: string;
  readonly message: string;
}

/** Facts about the upstream response that are not content. */
export interface ResponseMetadata {
  /** The upstream's response id (`chatcmpl-…`, `msg_…`). */
  readonly id?: string;
  /** The model the upstream says it ran. */
  readonly model?: string;
  /** The upstream's request id header, for support tickets. */
  readonly upstreamRequestId?: string;
}

/** The non-streaming result. */
export interface ChatResult {
  readonly content: ReadonlyArray<TextPart | ToolCallPart | ReasoningPart>;
  readonly finishReason: FinishReason;
  readonly usage: Usage;
  readonly warnings: ReadonlyArray<CallWarning>;
  readonly response: ResponseMetadata;
}

/**
 * One piece of a streamed answer. Providers parse their wire format into these once;
 * the HTTP layer writes them into the client's dialect once.
 */
export type StreamPart =
  /**
   * First part of every stream: response metadata and warnings. `usage` is what the provider
   * reports before generating (Anthropic's message_start: input and cache counts); the `finish`
   * part's usage is still the one to bill.
   */
  | { readonly type: 'stream-start'; readonly response: ResponseMetadata; readonly warnings: ReadonlyArray<CallWarning>; readonly usage?: Usage }
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'reasoning-delta'; readonly delta: string }
  /** Anthropic's signature for the reasoning streamed so far. */
  | { readonly type: 'reasoning-signature'; readonly signature: string }
  /** A tool call begins. `index` counts tool calls only (0, 1, …), not content blocks. */
  | { readonly type: 'tool-call-start'; readonly index: number; readonly id: string; readonly name: string }
  /** A fragment of the call's JSON arguments; concatenated they form the whole text. */
  | { readonly type: 'tool-call-delta'; readonly index: number; readonly argumentsDelta: string }
  /** Always the last part of a successful stream. */
  | { readonly type: 'finish'; readonly finishReason: FinishReason; readonly usage: Usage }
  /** The stream failed after it started; nothing follows. */
  | { readonly type: 'error'; readonly error: GatewayError };

/** A stream whose upstream has already answered 200: errors before that are thrown by `stream()`. */
export type ChatStream = AsyncIterable<StreamPart>;
