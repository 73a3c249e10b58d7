import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError, toGatewayError } from '../../core/index.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import type { BudgetGuard } from '../../auth/index.js';
import { openAIDialect } from '../dialects/openai/openai-dialect.js';
import { openAIEmbeddingsResponse, parseOpenAIEmbeddingsRequest } from '../dialects/openai/openai-embeddings.js';

/** `POST /v1/embeddings` (OpenAI dialect) over Ollama /api/embed or OpenAI. */
export function registerEmbeddingRoutes(app: FastifyInstance, deps: { runtime: GatewayRuntime; budgets?: Pick<BudgetGuard, 'check'> }): void {
  app.post('/v1/embeddings', { config: { dialect: openAIDialect, ledger: 'embeddings' } }, async (request, reply) => {
    const account = request.account;
    account?.enter();
    try {
      return await embed(request, reply);
    } catch (error) {
      if (account) account.error = toGatewayError(error);
      throw error;
    } finally {
      account?.leave();
    }
  });

  async function embed(request: FastifyRequest, reply: FastifyReply) {
    const account = request.account;
    const parsed = parseOpenAIEmbeddingsRequest(request.body);
    if (account) account.requestedModel = parsed.model;
    const snapshot = deps.runtime.snapshot;
    const target = snapshot.resolveModel(parsed.model);
    const provider = snapshot.registry.get(target.provider);
    const model = provider?.embeddingModel?.(target.modelId);
    if (!model) throw new InvalidRequestError(`The target '${target.ref}' does not provide embeddings.`, { param: 'model' });
    // A spent hard cloud budget refuses cloud embeddings too; local ones cost only energy.
    if (deps.budgets && request.caller && !snapshot.isLocal(target.provider)) {
      const decision = deps.budgets.check(request.caller);
      if (!decision.allow) throw decision.error;
    }
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const result = await model.embed(
      { model: target.modelId, input: parsed.input, ...(parsed.dimensions !== undefined ? { dimensions: parsed.dimensions } : {}) },
      { signal: controller.signal, requestId: request.id },
    );
    reply.header('x-tollgate-target', target.ref);
    if (account) {
      const local = snapshot.isLocal(target.provider);
      account.target = { ref: target.ref, provider: target.provider, modelId: target.modelId, local };
      account.attempts = [{ ref: target.ref, outcome: 'ok', latencyMs: account.elapsed(), retry: 0 }];
      account.usage = { inputTokens: { total: result.usage.inputTokens, noCache: result.usage.inputTokens }, outputTokens: { total: 0, text: 0 } };
    }
    return openAIEmbeddingsResponse(result, { model: parsed.model, encodingFormat: parsed.encodingFormat });
  }
}
