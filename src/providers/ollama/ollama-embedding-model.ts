import type { CallOptions, EmbedCall, EmbedResult, EmbeddingModel } from '../../core/index.js';
import type { UpstreamClient } from '../shared/upstream-client.js';
import { ollamaEmbedResponseSchema } from './ollama-api.js';

/** Embeddings through `/api/embed` (input always as an array, §1.7). */
export class OllamaEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly client: UpstreamClient;

  constructor(modelId: string, client: UpstreamClient) {
    this.provider = client.provider;
    this.modelId = modelId;
    this.client = client;
  }

  async embed(call: EmbedCall, options: CallOptions = {}): Promise<EmbedResult> {
    const body = { model: this.modelId, input: call.input, ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}) };
    const { data } = await this.client.sendForJson(
      { method: 'POST', path: '/api/embed', body: JSON.stringify(body), signal: options.signal, requestId: options.requestId },
      ollamaEmbedResponseSchema,
    );
    return { embeddings: data.embeddings, usage: { inputTokens: data.prompt_eval_count }, model: data.model };
  }
}
