/**
 * The canonical request. Every client dialect (OpenAI, Anthropic) parses into a ChatCall and
 * every provider translates a ChatCall into its own wire format. Nothing here is any one
 * provider's JSON.
 */

/** JSON Schema, as the client sent it. We pass it through; we do not interpret it. */
export type JsonSchema = Record<string, unknown>;

/** Plain text. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/** An image given inline (base64) or by URL. */
export interface ImagePart {
  readonly type: 'image';
  readonly source: ImageSource;
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
}

/** The result of a tool call, sent back by the client. */
export interface ToolResultPart {
  readonly type: 'tool-result';
  readonly toolCallId: string;
  /** Name of the tool, when the client said it or we could look it up from the call. */
  readonly toolName?: string;
  readonly content: ReadonlyArray<TextPart | ImagePart>;
  readonly isError?: boolean;
}

/** Model reasoning ("thinking") that some providers return and need back unchanged. */
export interface ReasoningPart {
  readonly type: 'reasoning';
  readonly text: string;
  /** Anthropic's signature over the thinking block, needed to send it back. */
  readonly signature?: string;
}

export type SystemMessage = { readonly role: 'system'; readonly content: string };
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
}

/** Per-call context that is not part of the request: cancellation and tracing. */
export interface CallOptions {
  /** Aborted when the client goes away or a deadline passes; providers pass it to the upstream request. */
  readonly signal?: AbortSignal;
  /** Our request id, sent upstream for correlation where the provider allows it. */
  readonly requestId?: string;
}
