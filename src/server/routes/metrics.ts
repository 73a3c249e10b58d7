import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError } from '../../core/index.js';
import type { GatewayMetrics } from '../../monitor/gateway-metrics.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin, bearer, sameSecret } from './admin.js';

/**
 * `GET /metrics`, the Prometheus text format.
 *
 * Who may scrape: the metrics token (`metrics.token`) as `Authorization: Bearer <token>`, which
 * Prometheus sends natively (`authorization: { credentials_file: … }`); or whoever may call the
 * admin API (the admin key; loopback callers when no admin key is set). The figures name providers,
 * models and spend, so they are not public, and a scraper should not hold the admin key (it flips
 * the kill switch), hence a separate read-only token.
 */
export function registerMetricsRoute(app: FastifyInstance, deps: { runtime: GatewayRuntime; metrics: GatewayMetrics }): void {
  const guard = async (request: FastifyRequest) => {
    const config = deps.runtime.snapshot.config;
    const token = config.metrics.token;
    if (token !== undefined) {
      const given = bearer(request.headers.authorization);
      if (given !== undefined && sameSecret(given, token)) return;
    }
    try {
      authorizeAdmin(request, config.admin.key);
    } catch (error) {
      if (token !== undefined) throw new AuthenticationError('GET /metrics needs the metrics token (Authorization: Bearer <token>) or the admin key.');
      throw error;
    }
  };

  app.get('/metrics', { onRequest: guard }, async (_request, reply) => {
    const text = await deps.metrics.metrics();
    return reply.type(deps.metrics.contentType).send(text);
  });
}
