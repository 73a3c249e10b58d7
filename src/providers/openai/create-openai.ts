import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { CallOptions, ModelInfo, Provider } from '../../core/index.js';
import { checkHealth } from '../shared/check-health.js';
import { UpstreamClient } from '../shared/upstream-client.js';
import { openAIModelsResponseSchema } from './openai-api.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';
import { readOpenAIError } from './read-openai-error.js';

export interface OpenAISettings {
  /** Instance name from config; default `openai` (`openai-compatible` when `compatible`). */
  readonly name?: string;
  /** Default `https://api.openai.com/v1`; for compatible servers e.g. `http://localhost:8000/v1`. */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly organization?: string;
  readonly project?: string;
  readonly headers?: Record<string, string>;
  /** Shared connection pool; when absent the provider owns a keep-alive Agent that `close()` closes. */
  readonly dispatcher?: Dispatcher;
  /**
   * A compatible server (vLLM, llama.cpp server, LM Studio, Ollama /v1): kind `openai-compatible`,
   * no auth required, `max_tokens` instead of `max_completion_tokens`, `top_k` passed through,
   * lenient about missing usage, ids and `[DONE]`.
   */
  readonly compatible?: boolean;
  /** Id for tool calls a compatible server sent without one; injectable for deterministic tests. */
  readonly generateId?: () => string;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** A provider over the OpenAI Chat Completions API or a server that speaks it. */
export function createOpenAI(settings: OpenAISettings = {}): Provider {
  const compatible = settings.compatible === true;
  const kind = compatible ? 'openai-compatible' : 'openai';
  const headers: Record<string, string> = {};
  if (settings.apiKey !== undefined && settings.apiKey !== '') headers['authorization'] = `Bearer ${settings.apiKey}`;
  if (settings.organization !== undefined) headers['openai-organization'] = settings.organization;
  if (settings.project !== undefined) headers['openai-project'] = settings.project;
  Object.assign(headers, settings.headers);

  const client = new UpstreamClient({
    provider: settings.name ?? kind,
    baseUrl: settings.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    headers,
    // OpenAI's header for a caller-chosen request id; compatible servers (vLLM) read x-request-id.
    requestIdHeader: compatible ? 'x-request-id' : 'x-client-request-id',
    readErrorBody: readOpenAIError,
    ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
  });
  const generateId = settings.generateId ?? (() => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`);

  return {
    name: client.provider,
    kind,
    chatModel: (modelId) => new OpenAIChatModel(modelId, { client, compatible, generateId }),
    embeddingModel: (modelId) => new OpenAIEmbeddingModel(modelId, client),
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const { data } = await client.sendForJson({ method: 'GET', path: '/models', signal: options.signal, requestId: options.requestId }, openAIModelsResponseSchema);
      return data.data.map((model) => ({
        id: model.id,
        ...(typeof model.created === 'number' ? { modifiedAt: new Date(model.created * 1000).toISOString() } : {}),
      }));
    },
    health: (options: CallOptions = {}) =>
      checkHealth(async () => {
        await client.sendForJson({ method: 'GET', path: '/models', signal: options.signal }, openAIModelsResponseSchema);
        return undefined;
      }),
    close: () => client.close(),
  };
}
