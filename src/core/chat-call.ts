/**
 * The canonical request. Every client dialect (OpenAI, Anthropic) parses into a ChatCall and
 * every provider translates a ChatCall into its own wire format. Nothing here is any one
 * provider's JSON.
 */

import type { AbortLike } from './trigger.js';

/** JSON Schema, as the client sent it. We pass it through; we do not interpret it. */
export type JsonSchema = Record<string, unknown>;

/**
 * An Anthropic prompt-cache breakpoint after this block: the prompt up to and including it (tools,
 * then system, then messages) is written to Anthropic's cache, or read from it when an earlier call
 * wrote the same prefix. Other providers cache automatically (OpenAI) or not at all (Ollama) and
 * ignore it, without a warning: caching is an optimisation such a target simply does not offer,
 * and the answer is the same without it.
 */
export interface CacheControl {
  /** How long the cached prefix lives. Anthropic's default is 5 minutes; a 1-hour write costs more. */
  readonly ttl?: '5m' | '1h';
}

/** Plain text. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
  /** A prompt-cache breakpoint after this text (request side only). */
  readonly cacheControl?: CacheControl;
}

/** An image given inline (base64) or by URL. */
export interface ImagePart {
  readonly type: 'image';
  readonly source: ImageSource;
  /** A prompt-cache breakpoint after this image. */
  readonly cacheControl?: CacheControl;
}

export type ImageSource =
  /** Raw base64 data with its media type (`image/png`, …); no `data:` prefix. */
  | { readonly kind: 'base64'; readonly mediaType: string; readonly data: string }
  /** A URL the upstream fetches itself (not every provider can). */
  | { readonly kind: 'url'; readonly url: string };

/** A tool call made by the assistant in an earlier turn (or in a result). */
export interface ToolCallPart {
  readonly type: 'tool-call';
  /** The provider's call id; echoed back by the matching tool result. */
  readonly id: string;
  readonly name: string;
  /** The arguments as a JSON text, exactly as produced (OpenAI style). */
  readonly arguments: string;
  /** A prompt-cache breakpoint after this call, in an earlier assistant turn (request side only). */
  readonly cacheControl?: CacheControl;
}

/** The result of a tool call, sent back by the client. */
export interface ToolResultPart {
  readonly type: 'tool-result';
  readonly toolCallId: string;
  /** Name of the tool, when the client said it or we could look it up from the call. */
  readonly toolName?: string;
  readonly content: ReadonlyArray<TextPart | ImagePart>;
  readonly isError?: boolean;
  /** A prompt-cache breakpoint after this whole result. */
  readonly cacheControl?: CacheControl;
}

/** Model reasoning ("thinking") that some providers return and need back unchanged. */
export interface ReasoningPart {
  readonly type: 'reasoning';
  readonly text: string;
  /** Anthropic's signature over the thinking block, needed to send it back. */
  readonly signature?: string;
}

export type SystemMessage = {
  readonly role: 'system';
  readonly content: string;
  /**
   * A prompt-cache breakpoint after this system text. A client's system prompt made of several
   * blocks with breakpoints between them arrives as one system message per block, so each
   * breakpoint keeps its place.
   */
  readonly cacheControl?: CacheControl;
};
export type UserMessage = { readonly role: 'user'; readonly content: ReadonlyArray<TextPart | ImagePart> };
export type AssistantMessage = {
  readonly role: 'assistant';
  readonly content: ReadonlyArray<TextPart | ToolCallPart | ReasoningPart>;
};
export type ToolMessage = { readonly role: 'tool'; readonly content: ReadonlyArray<ToolResultPart> };

/** One turn of the conversation. System messages may appear anywhere; providers that need them hoisted do so. */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A function the model may call. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly inputSchema: JsonSchema;
  /** OpenAI/Anthropic strict schema adherence. */
  readonly strict?: boolean;
  /** A prompt-cache breakpoint after this definition (tools come first in Anthropic's cache order). */
  readonly cacheControl?: CacheControl;
}

export type ToolChoice =
  | { readonly type: 'auto' }
  | { readonly type: 'none' }
  /** The model must call some tool (OpenAI `required`, Anthropic `any`). */
  | { readonly type: 'required' }
  /** The model must call this tool. */
  | { readonly type: 'tool'; readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  /** JSON output; with `schema`, structured output following it. */
  | { readonly type: 'json'; readonly schema?: JsonSchema; readonly name?: string; readonly strict?: boolean };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/** Settings a route (not the client) gives a local model: context length, residency. */
export interface OllamaCallOptions {
  /** Context window (`options.num_ctx`). */
  readonly numCtx?: number;
  /** How long the model stays loaded after the call (`keep_alive`), e.g. `10m`, or seconds. */
  readonly keepAlive?: string | number;
}

/** The canonical chat request. `undefined` means "the client did not say"; providers must not invent values. */
export interface ChatCall {
  /** The model id the provider should use (already resolved from the client's alias). */
  readonly model: string;
  readonly messages: ReadonlyArray<Message>;
  readonly tools?: ReadonlyArray<ToolDefinition>;
  readonly toolChoice?: ToolChoice;
  /** `false` forbids several tool calls in one turn. */
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: ResponseFormat;
  /** Upper bound on generated tokens (incl. reasoning). */
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly stopSequences?: ReadonlyArray<string>;
  readonly seed?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly reasoningEffort?: ReasoningEffort;
  /** Opaque end-user id (OpenAI `user`/`safety_identifier`, Anthropic `metadata.user_id`). */
  readonly user?: string;
  /** Local-model settings from the route. */
  readonly ollama?: OllamaCallOptions;
  /**
   * Automatic prompt caching (Anthropic's top-level `cache_control`): the provider places the
   * breakpoint on the last cacheable block itself, and moves it forward as the conversation grows.
   */
  readonly cacheControl?: CacheControl;
}

/** Per-call context that is not part of the request: cancellation and tracing. */
export interface CallOptions {
  /**
   * Aborted when the client goes away or a deadline passes; providers pass it to the upstream
   * request. An AbortSignal or the executor's light Trigger: undici takes any object with
   * `aborted`, `reason` and add/removeEventListener, so no real AbortController is made per attempt.
   */
  readonly signal?: AbortLike;
  /** Our request id, sent upstream for correlation where the provider allows it. */
  readonly requestId?: string;
}
