import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError } from '../../core/index.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { UsageDimension, UsageFilter } from '../../ledger/ledger-store.js';
import { parseTime, savingsReport, usageReport, USAGE_DIMENSIONS } from '../../ledger/reports.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin } from './admin.js';

const usageQuery = z.object({
  since: z.string().default('7d'),
  until: z.string().optional(),
  /** Comma-separated dimensions: `day,task`. */
  by: z.string().default('day'),
  key: z.string().optional(),
  team: z.string().optional(),
  task: z.string().optional(),
  tier: z.string().optional(),
  target: z.string().optional(),
  provider: z.string().optional(),
  local: z.enum(['true', 'false']).optional(),
});

const savingsQuery = z.object({
  since: z.string().default('30d'),
  until: z.string().optional(),
  period: z.enum(['day', 'month']).default('day'),
  key: z.string().optional(),
  team: z.string().optional(),
  task: z.string().optional(),
});

/**
 * `GET /api/usage` and `GET /api/savings`: the ledger's reports over HTTP, behind the admin key.
 * Both read rollups only. Records still in the group-commit buffer are written first, so a
 * report includes every request answered before it was asked for.
 */
export function registerUsageRoutes(
  app: FastifyInstance,
  deps: { runtime: GatewayRuntime; ledger: Ledger; now: () => number; monthlyAmortizationUsd: () => number },
): void {
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, deps.runtime.snapshot.config.admin.key);

  app.get('/api/usage', { onRequest: guard }, async (request) => {
    const query = parseQuery(usageQuery, request.query);
    const now = deps.now();
    const by = query.by.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
    const unknown = by.filter((entry) => !(USAGE_DIMENSIONS as readonly string[]).includes(entry));
    if (unknown.length > 0) throw new InvalidRequestError(`Unknown grouping '${unknown.join(', ')}': use any of ${USAGE_DIMENSIONS.join(', ')}.`, { param: 'by' });
    await deps.ledger.flush().catch(() => undefined); // a failing store still answers with what it has
    return usageReport(deps.ledger.store, {
      since: time(query.since, now, 'since'),
      until: query.until ? time(query.until, now, 'until') : now + 1,
      by: by as UsageDimension[],
      filter: filterOf(query),
      histograms: true, // latency and TTFT p50/p95 per row
    });
  });

  app.get('/api/savings', { onRequest: guard }, async (request) => {
    const query = parseQuery(savingsQuery, request.query);
    const now = deps.now();
    await deps.ledger.flush().catch(() => undefined);
    return savingsReport(deps.ledger.store, {
      since: time(query.since, now, 'since'),
      until: query.until ? time(query.until, now, 'until') : now + 1,
      period: query.period,
      now,
      monthlyAmortizationUsd: deps.monthlyAmortizationUsd(),
      filter: filterOf(query),
    });
  });
}

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(`Bad query parameter ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}.`, { param: issue?.path.join('.') ?? '' });
  }
  return parsed.data;
}

function time(value: string, now: number, param: string): number {
  try {
    return parseTime(value, now);
  } catch (error) {
    throw new InvalidRequestError((error as Error).message, { param });
  }
}

/** `none` selects records without a key, team, task or tier. */
function filterOf(query: { key?: string; team?: string; task?: string; tier?: string; target?: string; provider?: string; local?: 'true' | 'false' }): UsageFilter {
  const nullable = (value: string | undefined) => (value === 'none' ? null : value);
  return {
    ...(query.key !== undefined ? { keyId: nullable(query.key) } : {}),
    ...(query.team !== undefined ? { team: nullable(query.team) } : {}),
    ...(query.task !== undefined ? { task: nullable(query.task) } : {}),
    ...(query.tier !== undefined ? { tier: nullable(query.tier) } : {}),
    ...(query.target !== undefined ? { target: query.target } : {}),
    ...(query.provider !== undefined ? { provider: query.provider } : {}),
    ...(query.local !== undefined ? { local: query.local === 'true' } : {}),
  };
}
