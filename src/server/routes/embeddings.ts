import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../core/index.js';
import type { ResolvedTarget } from '../../routing/resolve-model.js';
import type { ProviderRegistry } from '../../execution/provider-registry.js';
import { openAIDialect } from '../dialects/openai/openai-dialect.js';
import { openAIEmbeddingsResponse, parseOpenAIEmbeddingsRequest } from '../dialects/openai/openai-embeddings.js';

/** `POST /v1/embeddings` (OpenAI dialect) over Ollama /api/embed or OpenAI. */
export function registerEmbeddingRoutes(app: FastifyInstance, deps: { resolveModel: (model: string) => ResolvedTarget; registry: ProviderRegistry }): void {
  app.post('/v1/embeddings', { config: { dialect: openAIDialect } }, async (request, reply) => {
    const parsed = parseOpenAIEmbeddingsRequest(request.body);
    const target = deps.resolveModel(parsed.model);
    const provider = deps.registry.get(target.provider);
    const model = provider?.embeddingModel?.(target.modelId);
    if (!model) throw new InvalidRequestError(`The target '${target.ref}' does not provide embeddings.`, { param: 'model' });
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const result = await model.embed(
      { model: target.modelId, input: parsed.input, ...(parsed.dimensions !== undefined ? { dimensions: parsed.dimensions } : {}) },
      { signal: controller.signal, requestId: request.id },
    );
    reply.header('x-tollgate-target', target.ref);
    return openAIEmbeddingsResponse(result, { model: parsed.model, encodingFormat: parsed.encodingFormat });
  });
}
