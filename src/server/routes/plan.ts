import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InternalError, InvalidRequestError } from '../../core/index.js';
import type { Ledger } from '../../ledger/ledger.js';
import { parseTime } from '../../ledger/reports.js';
import { buildPlan, HardwareCatalogError, loadHardwareCatalog, type HardwareCatalog } from '../../planning/roi/index.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin } from './admin.js';

/** A non-negative number given as a query string. */
const amount = (what: string) =>
  z
    .string()
    .refine((value) => value.trim() !== '' && Number.isFinite(Number(value)) && Number(value) >= 0, `expected ${what}`)
    .transform(Number);

/** The same knobs as `tollgate plan`, in camelCase. */
const planQuery = z.object({
  since: z.string().default('30d'),
  until: z.string().optional(),
  localShare: amount('a share from 0 to 1').refine((share) => share <= 1, 'expected a share from 0 to 1').optional(),
  /** Comma-separated multiples: `1,10`. */
  growth: z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0).map(Number))
    .refine((factors) => factors.length > 0 && factors.every((factor) => Number.isFinite(factor) && factor > 0), 'expected positive multiples, comma-separated, e.g. 1,10')
    .optional(),
  kwhUsd: amount('a price per kWh').optional(),
  hoursPerDay: amount('hours from above 0 to 24').refine((hours) => hours > 0 && hours <= 24, 'expected hours from above 0 to 24').optional(),
  maintenanceHours: amount('maintenance hours a month').optional(),
  hourlyUsd: amount('an hourly rate').optional(),
});

/**
 * `GET /api/plan`: the ROI planner over the ledger's traffic (admin key), the document
 * `tollgate plan --format json` prints, including the 60-month cumulative-net series per option
 * and growth factor the dashboard charts. What-if files are a CLI matter: the gateway reads no
 * file a request names.
 */
export function registerPlanRoutes(app: FastifyInstance, deps: { runtime: GatewayRuntime; ledger: Ledger; now: () => number; catalog?: HardwareCatalog }): void {
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, deps.runtime.snapshot.config.admin.key);
  // config/hardware.yaml is read once, at the first plan; a broken file is reported, then retried.
  let catalog: Promise<HardwareCatalog> | undefined = deps.catalog ? Promise.resolve(deps.catalog) : undefined;

  app.get('/api/plan', { onRequest: guard }, async (request, reply) => {
    const parsed = planQuery.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') ?? '';
      throw new InvalidRequestError(`Bad query parameter ${param}: ${issue?.message ?? 'invalid'}.`, { param });
    }
    const query = parsed.data;
    const now = deps.now();
    const time = (value: string, param: string) => {
      try {
        return parseTime(value, now);
      } catch (error) {
        throw new InvalidRequestError((error as Error).message, { param });
      }
    };
    const since = time(query.since, 'since');
    const until = query.until !== undefined ? time(query.until, 'until') : now + 1;
    catalog ??= loadHardwareCatalog().catch((error: unknown) => {
      catalog = undefined;
      throw error;
    });
    const snapshot = deps.runtime.snapshot;
    await deps.ledger.flush().catch(() => undefined); // include what was just answered; a failing store still answers with what it has
    void reply.header('cache-control', 'no-store');
    try {
      return await buildPlan(
        { config: snapshot.config, store: deps.ledger.store, priceBook: snapshot.priceBook, catalog: await catalog },
        {
          since,
          until,
          ...(query.localShare !== undefined ? { localShare: query.localShare } : {}),
          ...(query.growth !== undefined ? { growth: query.growth } : {}),
          ...(query.kwhUsd !== undefined ? { kwhUsd: query.kwhUsd } : {}),
          ...(query.hoursPerDay !== undefined ? { hoursPerDay: query.hoursPerDay } : {}),
          ...(query.maintenanceHours !== undefined ? { maintenanceHoursPerMonth: query.maintenanceHours } : {}),
          ...(query.hourlyUsd !== undefined ? { maintenanceHourlyUsd: query.hourlyUsd } : {}),
        },
      );
    } catch (error) {
      // A hardware catalogue or planning.hardware entry that is incomplete is the operator's to fix: say what.
      if (error instanceof HardwareCatalogError) throw new InternalError(error.message, { cause: error });
      throw error;
    }
  });
}
