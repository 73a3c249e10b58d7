import type { CallOptions, ModelInfo } from '../../core/index.js';
import type { UpstreamClient } from '../shared/upstream-client.js';
import { ollamaTagsResponseSchema } from './ollama-api.js';

/** The models one Ollama host has pulled (`/api/tags`), as ModelInfo. */
export async function listOllamaModels(client: UpstreamClient, options: CallOptions = {}): Promise<ModelInfo[]> {
  const { data } = await client.sendForJson({ method: 'GET', path: '/api/tags', signal: options.signal, requestId: options.requestId }, ollamaTagsResponseSchema);
  return data.models.map((model) => ({
    id: model.name,
    ...(model.size !== undefined ? { size: model.size } : {}),
    ...(model.details?.family !== undefined ? { family: model.details.family } : {}),
    ...(model.details?.parameter_size !== undefined ? { parameterSize: model.details.parameter_size } : {}),
    ...(model.details?.quantization_level !== undefined ? { quantization: model.details.quantization_level } : {}),
    ...(model.modified_at !== undefined ? { modifiedAt: model.modified_at } : {}),
  }));
}
