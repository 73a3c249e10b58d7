import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { CallOptions, ModelInfo, Provider } from '../../core/index.js';
import { checkHealth } from '../shared/check-health.js';
import { UpstreamClient } from '../shared/upstream-client.js';
import { ollamaTagsResponseSchema, ollamaVersionResponseSchema } from './ollama-api.js';
import { OllamaChatModel } from './ollama-chat-model.js';
import { OllamaEmbeddingModel } from './ollama-embedding-model.js';

export interface OllamaSettings {
  /** Instance name from config; default `ollama`. */
  readonly name?: string;
  /** e.g. `http://localhost:11434` (no `/api`). */
  readonly baseUrl: string;
  /** Extra headers on every request (e.g. `Authorization` for ollama.com or a proxy). */
  readonly headers?: Record<string, string>;
  /** Shared connection pool; when absent the provider owns a keep-alive Agent that `close()` closes. */
  readonly dispatcher?: Dispatcher;
  /** Id for tool calls Ollama sends without one; injectable for deterministic tests. */
  readonly generateId?: () => string;
}

/**
 * A provider over Ollama's native API (`/api/chat`, `/api/embed`, `/api/tags`, `/api/version`).
 * Errors are `{"error":"…"}` (§1.8), read by the shared reader; the status rules tell 404
 * model-not-found (`model_not_found`) from 503 queue-full (`upstream_overloaded`).
 */
export function createOllama(settings: OllamaSettings): Provider {
  const client = new UpstreamClient({
    provider: settings.name ?? 'ollama',
    baseUrl: settings.baseUrl,
    headers: settings.headers ?? {},
    // Ollama ignores it, but a proxy in front of it can log it.
    requestIdHeader: 'x-request-id',
    ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
  });
  const generateId = settings.generateId ?? (() => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`);

  return {
    name: client.provider,
    kind: 'ollama',
    chatModel: (modelId) => new OllamaChatModel(modelId, { client, generateId }),
    embeddingModel: (modelId) => new OllamaEmbeddingModel(modelId, client),
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const { data } = await client.sendForJson({ method: 'GET', path: '/api/tags', signal: options.signal, requestId: options.requestId }, ollamaTagsResponseSchema);
      return data.models.map((model) => ({
        id: model.name,
        ...(model.size !== undefined ? { size: model.size } : {}),
        ...(model.details?.family !== undefined ? { family: model.details.family } : {}),
        ...(model.details?.parameter_size !== undefined ? { parameterSize: model.details.parameter_size } : {}),
        ...(model.details?.quantization_level !== undefined ? { quantization: model.details.quantization_level } : {}),
        ...(model.modified_at !== undefined ? { modifiedAt: model.modified_at } : {}),
      }));
    },
    health: (options: CallOptions = {}) =>
      checkHealth(async () => {
        const { data } = await client.sendForJson({ method: 'GET', path: '/api/version', signal: options.signal }, ollamaVersionResponseSchema);
        return data.version;
      }),
    close: () => client.close(),
  };
}
