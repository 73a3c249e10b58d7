import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { InvalidRequestError } from '../../core/index.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { DrillMode, MAX_DRILL_MS } from '../drill-mode.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin } from './admin.js';

const startBody = z.object({ maxDurationMs: z.number().int().positive().max(MAX_DRILL_MS).optional() }).strict();

const drillRequest = z
  .object({
    requestId: z.string().min(1).max(200),
    dialect: z.enum(['openai', 'anthropic']),
    stream: z.boolean(),
    model: z.string().max(200),
    status: z.number().int().min(0).max(999),
    target: z.string().max(300).nullable(),
    fallback: z.string().max(300).nullable(),
    latencyMs: z.number().nonnegative(),
    passed: z.boolean(),
    reason: z.string().max(2000).nullable(),
  })
  .strict();

const endBody = z.object({ requests: z.array(drillRequest).max(1000) }).strict();

/**
 * The fallback drill's admin endpoints (admin key, like the kill switch):
 * `POST /admin/drill` starts one (local targets fail until it ends, at most `maxDurationMs`),
 * `GET /admin/drill` says whether one runs, `POST /admin/drill/:id/end` ends it with the client's
 * per-request results and stores the drill. The client sends the requests itself, through the
 * public API, as any caller would.
 */
export function registerDrillRoutes(app: FastifyInstance, deps: { runtime: GatewayRuntime; store: Pick<LedgerStore, 'appendDrill'>; logger: Logger; now: () => number }): DrillMode {
  const { runtime } = deps;
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, runtime.snapshot.config.admin.key);
  const drills = new DrillMode({ runtime, store: deps.store, logger: deps.logger, now: deps.now });
  // Shutdown restores local targets and records a drill it cut short, before the store closes.
  app.addHook('onClose', async () => drills.close());

  app.post('/admin/drill', { onRequest: guard }, async (request, reply) => {
    const parsed = startBody.safeParse(request.body ?? {});
    if (!parsed.success) throw new InvalidRequestError(`Expected {"maxDurationMs": 1–${MAX_DRILL_MS}} or an empty object.`, { param: 'maxDurationMs' });
    const drill = await drills.start(parsed.data.maxDurationMs !== undefined ? { maxDurationMs: parsed.data.maxDurationMs } : {});
    return reply.code(201).send(drill);
  });

  app.get('/admin/drill', { onRequest: guard }, async () => ({ active: drills.active ?? null }));

  app.post('/admin/drill/:id/end', { onRequest: guard }, async (request) => {
    const { id } = request.params as { id: string };
    const parsed = endBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidRequestError(`Bad drill result at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}.`, { param: issue?.path.join('.') ?? 'requests' });
    }
    return drills.end(id, parsed.data.requests);
  });

  return drills;
}
