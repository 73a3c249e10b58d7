import type { CallWarning, ChatCall, ChatResult, GatewayError, StreamPart } from '../../core/index.js';

/**
 * A client's chat request in canonical form, plus what the app needs that is not part of the call.
 * Produced by {@link Dialect.parseChatRequest}.
 */
export interface ParsedChatRequest {
  /** The canonical call. `call.model` is the model name exactly as the client sent it; the app resolves aliases later and replaces it. */
  readonly call: ChatCall;
  /** The client asked for SSE. */
  readonly stream: boolean;
  /** OpenAI `stream_options.include_usage` (only meaningful with `stream`); always true for Anthropic, whose streams always carry usage. */
  readonly includeUsage: boolean;
  /**
   * The body's `metadata` as strings (numbers and booleans are stringified). Routing reads
   * `task`/`priority`/`tier` here. Anthropic's `user_id` is moved to `call.user`, not kept here.
   */
  readonly metadata: Record<string, string>;
  /**
   * Request fields the gateway accepted but does not carry to any provider (e.g. OpenAI `store`,
   * Anthropic `thinking.budget_tokens`). Reported like provider warnings, never dropped silently.
   */
  readonly warnings: ReadonlyArray<CallWarning>;
}

/** What a response needs that is not in the result. */
export interface ResponseContext {
  /** Our request id; response ids are derived from it (`chatcmpl-<id>`, `msg_<id>`). */
  readonly requestId: string;
  /** The model name to show the client: what it asked for, not the resolved target. */
  readonly model: string;
  /** Unix seconds (OpenAI `created`). */
  readonly created: number;
  /**
   * OpenAI dialect only: expose reasoning as the non-standard `reasoning_content` field
   * (message and stream delta). Off by default: see the OpenAI encoder for why.
   */
  readonly exposeReasoning?: boolean;
}

/** Writes canonical stream parts as one dialect's SSE text. A small state machine, one per response. */
export interface StreamEncoder {
  /** Text to write for one part ('' if nothing). Called in order; 'stream-start' first. */
  encode(part: StreamPart): string;
  /**
   * Text to write if the stream fails mid-way with an error that is not a part. Returns '' once the
   * stream has ended (after `finish` or an encoded `error` part). Always a dialect-correct in-band error.
   */
  fail(error: GatewayError): string;
  /** Keep-alive text for long silences (OpenAI `: ping\n\n`, Anthropic `event: ping`). */
  ping(): string;
  /** True once the stream is complete in the dialect (finished or failed): nothing more may be written. */
  readonly ended: boolean;
}

/** One client-facing wire dialect: pure translation between its JSON and the canonical types. */
export interface Dialect {
  readonly name: 'openai' | 'anthropic';
  /** Validates and converts a chat request body. Throws InvalidRequestError with a precise `param` and message. */
  parseChatRequest(body: unknown): ParsedChatRequest;
  /** The JSON body of a non-streaming response. */
  chatResponse(result: ChatResult, ctx: ResponseContext): object;
  /** A fresh encoder for one streaming response. */
  createStreamEncoder(ctx: ResponseContext, options: { readonly includeUsage: boolean }): StreamEncoder;
  /** The HTTP error response for `error`, in this dialect's shape. */
  errorResponse(error: GatewayError, requestId: string): DialectErrorResponse;
}

/** An error as the HTTP layer writes it. */
export interface DialectErrorResponse {
  readonly status: number;
  readonly body: object;
  /** Lower-case header names. */
  readonly headers: Record<string, string>;
}
