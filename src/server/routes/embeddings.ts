import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../core/index.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { openAIDialect } from '../dialects/openai/openai-dialect.js';
import { openAIEmbeddingsResponse, parseOpenAIEmbeddingsRequest } from '../dialects/openai/openai-embeddings.js';

/** `POST /v1/embeddings` (OpenAI dialect) over Ollama /api/embed or OpenAI. */
export function registerEmbeddingRoutes(app: FastifyInstance, deps: { runtime: GatewayRuntime }): void {
  app.post('/v1/embeddings', { config: { dialect: openAIDialect } }, async (request, reply) => {
    const parsed = parseOpenAIEmbeddingsRequest(request.body);
    const snapshot = deps.runtime.snapshot;
    const target = snapshot.resolveModel(parsed.model);
    const provider = snapshot.registry.get(target.provider);
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
