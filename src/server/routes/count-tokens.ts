import type { FastifyInstance } from 'fastify';
import { estimateInputTokens } from '../../ledger/estimate-tokens.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { anthropicDialect } from '../dialects/anthropic/anthropic-dialect.js';
import { parseAnthropicCountTokensRequest } from '../dialects/anthropic/anthropic-count-tokens.js';

/**
 * `POST /v1/messages/count_tokens`. The answer is an estimate with a GPT tokenizer whatever the
 * target (Ollama has no such endpoint and routing may change the target); the
 * `x-tollgate-estimated` header says so.
 */
export function registerCountTokensRoute(app: FastifyInstance, deps: { runtime: GatewayRuntime }): void {
  app.post('/v1/messages/count_tokens', { config: { dialect: anthropicDialect } }, async (request, reply) => {
    const parsed = parseAnthropicCountTokensRequest(request.body);
    deps.runtime.snapshot.resolveModel(parsed.call.model); // an unknown model is a 404 here too, as upstream
    reply.header('x-tollgate-estimated', 'true');
    return { input_tokens: await estimateInputTokens(parsed.call) };
  });
}
