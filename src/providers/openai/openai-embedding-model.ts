import type { CallOptions, EmbedCall, EmbedResult, EmbeddingModel } from '../../core/index.js';
import type { UpstreamClient } from '../shared/upstream-client.js';
import { openAIEmbeddingResponseSchema } from './openai-api.js';

/** Embeddings through `/embeddings` as floats (PROTOCOLS §2.8). */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly client: UpstreamClient;

  constructor(modelId: string, client: UpstreamClient) {
    this.provider = client.provider;
    this.modelId = modelId;
    this.client = client;
  }

  async embed(call: EmbedCall, options: CallOptions = {}): Promise<EmbedResult> {
    const body = {
      model: this.modelId,
      input: call.input,
      encoding_format: 'float',
      ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}),
    };
    const { data } = await this.client.sendForJson(
      { method: 'POST', path: '/embeddings', body: JSON.stringify(body), signal: options.signal, requestId: options.requestId },
      openAIEmbeddingResponseSchema,
    );
    // `data` is documented in input order, but each item carries its index: trust the index.
    const ordered = data.data.every((item) => typeof item.index === 'number')
      ? [...data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      : data.data;
    return {
      embeddings: ordered.map((item) => item.embedding),
      usage: { inputTokens: data.usage?.prompt_tokens ?? undefined },
      model: data.model ?? undefined,
    };
  }
}
