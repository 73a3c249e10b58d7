import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError } from '../../core/index.js';
import type { Ledger } from '../../ledger/ledger.js';
import { parseTime } from '../../ledger/reports.js';
import type { MonitorView } from '../../monitor/monitor-view.js';
import { trialScorecard } from '../../planning/scorecard/gather-trial-evidence.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin } from './admin.js';

const scorecardQuery = z.object({
  /** Judge from this time instead of `planning.trial.start`: 7d, an ISO date, epoch ms. */
  since: z.string().optional(),
  until: z.string().optional(),
});

/**
 * `GET /api/scorecard` (admin key): the trial scorecard over `planning.trial` (or `?since=`), with
 * uptime from the running monitor, savings and fallbacks from the ledger's rollups, drills from the
 * store. The same computation as `tollgate scorecard`.
 */
export function registerScorecardRoute(app: FastifyInstance, deps: { runtime: GatewayRuntime; ledger: Ledger; monitor: MonitorView; now: () => number }): void {
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, deps.runtime.snapshot.config.admin.key);

  app.get('/api/scorecard', { onRequest: guard }, async (request, reply) => {
    const parsed = scorecardQuery.safeParse(request.query);
    if (!parsed.success) throw new InvalidRequestError('Expected ?since= and ?until= as 7d, an ISO date or epoch ms.', { param: 'since' });
    const now = deps.now();
    const since = parsed.data.since === undefined ? undefined : time(parsed.data.since, now, 'since');
    const until = parsed.data.until === undefined ? undefined : time(parsed.data.until, now, 'until');
    await deps.ledger.flush().catch(() => undefined); // include what was just answered; a failing store still answers with what it has
    void reply.header('cache-control', 'no-store');
    try {
      return await trialScorecard(
        { store: deps.ledger.store, uptime: (window) => deps.monitor.uptime(window) },
        deps.runtime.snapshot.config.planning.trial,
        { now, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) },
      );
    } catch (error) {
      if (error instanceof RangeError) throw new InvalidRequestError(error.message, { param: 'since' });
      throw error;
    }
  });
}

function time(value: string, now: number, param: string): number {
  try {
    return parseTime(value, now);
  } catch (error) {
    throw new InvalidRequestError((error as Error).message, { param });
  }
}
