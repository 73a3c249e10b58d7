import type { CallOptions, ChatCall } from './chat-call.js';
import type { ChatResult, ChatStream } from './chat-result.js';

/**
 * One model at one provider. Providers implement it; a fallback chain or a router can wrap
 * ChatModels and be one itself.
 */
export interface ChatModel {
  /** Provider instance name from config (`ollama`, `anthropic`, `gpu-box-2`). */
  readonly provider: string;
  /** The upstream's model id (`qwen2.5:7b`, `claude-haiku-5-5`). */
  readonly modelId: string;
  /** One non-streaming call. Throws a GatewayError (usually ProviderCallError) on failure. */
  generate(call: ChatCall, options?: CallOptions): Promise<ChatResult>;
  /**
   * Starts a streaming call. Resolves once the upstream has accepted the request (status 200),
   * so a failure before the first byte is a rejected promise and can fall back. Failures after that
   * arrive as an `error` part.
   */
  stream(call: ChatCall, options?: CallOptions): Promise<ChatStream>;
}

export interface EmbedCall {
  readonly model: string;
  readonly input: ReadonlyArray<string>;
  readonly dimensions?: number;
}

export interface EmbedResult {
  readonly embeddings: number[][];
  readonly usage: { readonly inputTokens?: number };
  readonly model?: string;
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  embed(call: EmbedCall, options?: CallOptions): Promise<EmbedResult>;
}

/** A model as a provider lists it. */
export interface ModelInfo {
  readonly id: string;
  /** Bytes on disk, when known (Ollama). */
  readonly size?: number;
  readonly family?: string;
  readonly parameterSize?: string;
  readonly quantization?: string;
  readonly modifiedAt?: string;
}

export interface ProviderHealth {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly version?: string;
  readonly error?: string;
}

/** One host of a pool and the calls it is serving. */
export interface HostLoad {
  readonly url: string;
  readonly inFlight: number;
}

/** What a provider factory (`createOllama(settings)`) returns. */
export interface Provider {
  /** Instance name from config. */
  readonly name: string;
  /** `ollama`, `openai`, `openai-compatible`, `anthropic`. */
  readonly kind: ProviderKind;
  chatModel(modelId: string): ChatModel;
  /** Undefined when the provider has no embeddings (Anthropic). */
  embeddingModel?(modelId: string): EmbeddingModel;
  listModels(options?: CallOptions): Promise<ModelInfo[]>;
  /**
   * Whether the model can be served now without a load that cannot succeed (Ollama: resident on a
   * host, or pulled there and small enough for its free VRAM). Answers at once from cached state,
   * never waiting on I/O, and says true while it does not know: a wrong "yes" costs one fallback,
   * a wrong "no" would send work to the cloud for nothing. Absent = always servable.
   */
  canServe?(modelId: string): boolean;
  health(options?: CallOptions): Promise<ProviderHealth>;
  /**
   * Calls sent to each host and not yet finished (Ollama pools balance on this). Absent for
   * single-endpoint providers, whose in-flight count is the executor's capacity limiter.
   */
  hostLoad?(): readonly HostLoad[];
  /** Releases pooled connections. */
  close(): Promise<void>;
}

export type ProviderKind = 'ollama' | 'openai' | 'openai-compatible' | 'anthropic';
