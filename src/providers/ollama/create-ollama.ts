import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { CallOptions, Provider } from '../../core/index.js';
import { checkHealth } from '../shared/check-health.js';
import { UpstreamClient } from '../shared/upstream-client.js';
import { listOllamaModels } from './list-ollama-models.js';
import { ollamaVersionResponseSchema } from './ollama-api.js';
import { OllamaChatModel } from './ollama-chat-model.js';
import { OllamaEmbeddingModel } from './ollama-embedding-model.js';
import { OllamaHostState } from './ollama-host-state.js';

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
  /** GPU memory of the host in GB (GiB), for `canServe`; unknown = a pulled model counts as servable. */
  readonly vramGb?: number;
  /** Minimum time between refreshes of /api/ps and /api/tags for `canServe`; default 5000 ms. */
  readonly refreshMs?: number;
  readonly now?: () => number;
}

/** GPU memory is sold in binary gigabytes (a "24 GB" card has 24 GiB). */
export const BYTES_PER_VRAM_GB = 1024 ** 3;

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
  const state = new OllamaHostState({
    client,
    ...(settings.refreshMs !== undefined ? { refreshMs: settings.refreshMs } : {}),
    ...(settings.vramGb !== undefined ? { vramBytes: settings.vramGb * BYTES_PER_VRAM_GB } : {}),
    ...(settings.now ? { now: settings.now } : {}),
  });

  return {
    name: client.provider,
    kind: 'ollama',
    chatModel: (modelId) => new OllamaChatModel(modelId, { client, generateId }),
    embeddingModel: (modelId) => new OllamaEmbeddingModel(modelId, client),
    listModels: (options: CallOptions = {}) => listOllamaModels(client, options),
    // Unknown state (not fetched yet, or unreachable) is optimistic: the executor's fallback covers a miss.
    canServe: (modelId) => state.canServe(modelId) ?? true,
    health: (options: CallOptions = {}) =>
      checkHealth(async () => {
        const { data } = await client.sendForJson({ method: 'GET', path: '/api/version', signal: options.signal }, ollamaVersionResponseSchema);
        return data.version;
      }),
    close: () => {
      state.close();
      return client.close();
    },
  };
}
