import type { Dispatcher } from 'undici';
import type { CallOptions, ModelInfo, Provider } from '../../core/index.js';
import { checkHealth } from '../shared/check-health.js';
import { UpstreamClient } from '../shared/upstream-client.js';
import { anthropicModelsResponseSchema } from './anthropic-api.js';
import { AnthropicChatModel } from './anthropic-chat-model.js';

export interface AnthropicSettings {
  /** Instance name from config; default `anthropic`. */
  readonly name?: string;
  /** Default `https://api.anthropic.com` (no `/v1`). */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  /** `anthropic-version` header; default `2023-06-01`. */
  readonly version?: string;
  /** `max_tokens` when the call sets no maxOutputTokens (Anthropic requires one); default 4096. */
  readonly defaultMaxTokens?: number;
  readonly headers?: Record<string, string>;
  /** Shared connection pool; when absent the provider owns a keep-alive Agent that `close()` closes. */
  readonly dispatcher?: Dispatcher;
}

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_DEFAULT_VERSION = '2023-06-01';
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Pages of `/v1/models` we follow at most; a listing longer than this is not a model catalogue. */
const MAX_MODEL_PAGES = 20;

/** A provider over the Anthropic Messages API. It has no embeddings. */
export function createAnthropic(settings: AnthropicSettings = {}): Provider {
  const headers: Record<string, string> = { 'anthropic-version': settings.version ?? ANTHROPIC_DEFAULT_VERSION };
  if (settings.apiKey !== undefined && settings.apiKey !== '') headers['x-api-key'] = settings.apiKey;
  Object.assign(headers, settings.headers);

  const client = new UpstreamClient({
    provider: settings.name ?? 'anthropic',
    baseUrl: settings.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
    headers,
    // Anthropic documents no header for a caller's request id, so none is sent.
    ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
  });
  const defaultMaxTokens = settings.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;

  return {
    name: client.provider,
    kind: 'anthropic',
    chatModel: (modelId) => new AnthropicChatModel(modelId, { client, defaultMaxTokens }),
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const models: ModelInfo[] = [];
      let afterId: string | undefined;
      for (let page = 0; page < MAX_MODEL_PAGES; page += 1) {
        const query = `?limit=1000${afterId !== undefined ? `&after_id=${encodeURIComponent(afterId)}` : ''}`;
        const { data } = await client.sendForJson(
          { method: 'GET', path: `/v1/models${query}`, signal: options.signal, requestId: options.requestId },
          anthropicModelsResponseSchema,
        );
        for (const model of data.data) models.push({ id: model.id, ...(model.created_at ? { modifiedAt: model.created_at } : {}) });
        if (data.has_more !== true || !data.last_id) break;
        afterId = data.last_id;
      }
      return models;
    },
    health: (options: CallOptions = {}) =>
      checkHealth(async () => {
        await client.sendForJson({ method: 'GET', path: '/v1/models?limit=1', signal: options.signal }, anthropicModelsResponseSchema);
        return undefined;
      }),
    close: () => client.close(),
  };
}
