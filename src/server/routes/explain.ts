import type { FastifyInstance } from 'fastify';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { anthropicDialect } from '../dialects/anthropic/anthropic-dialect.js';
import { openAIDialect } from '../dialects/openai/openai-dialect.js';
import { requestMetaOf } from '../chat-handler.js';

/**
 * `POST /v1/route/explain`: the plan a chat request would get, without calling anyone. The body
 * is a chat request in either dialect (Anthropic's when `anthropic-version` is sent or the path
 * has `?dialect=anthropic`), with the same `x-tollgate-*` headers.
 */
export function registerExplainRoute(app: FastifyInstance, deps: { runtime: GatewayRuntime }): void {
  app.post('/v1/route/explain', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const dialect = query.dialect === 'anthropic' || request.headers['anthropic-version'] !== undefined ? anthropicDialect : openAIDialect;
    const parsed = dialect.parseChatRequest(request.body);
    const meta = requestMetaOf(parsed, request);
    const { router, executor, gates } = deps.runtime.snapshot;
    const plan = router.plan(meta, deps.runtime.mode, gates);
    const state = executor.state();
    return {
      meta,
      plan,
      targets: plan.targets.map((target) => ({
        ref: target.ref,
        local: target.local,
        breaker: state.breakers[target.ref] ?? 'closed',
        capacity: state.capacity[target.provider] ?? null,
      })),
    };
  });
}
