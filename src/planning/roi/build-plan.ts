import type { TollgateConfig } from '../../config/config-schema.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import type { PriceBook } from '../../pricing/create-price-book.js';
import { resolveHardwareOptions, type HardwareCatalog } from './hardware-catalog.js';
import { measureTraffic, type MeasuredTraffic } from './measure-traffic.js';
import { planRoi, type PlanResult } from './plan-roi.js';
import type { WhatIfTraffic } from './what-if.js';

/**
 * Gathers the planner's inputs (traffic from the ledger or a what-if file; the rest from the
 * caller's arguments over `planning:` and `pricing.local` in the config) and runs `planRoi`.
 * Shared by `tollgate plan` and `GET /api/plan`, so the two cannot disagree.
 */

/** What the caller chose; anything absent comes from the config (or the ledger, for the share). */
export interface PlanOptions {
  /** The ledger window, epoch ms (ignored with `whatIf`). */
  readonly since: number;
  readonly until: number;
  /** Traffic from a what-if file instead of the ledger. */
  readonly whatIf?: WhatIfTraffic;
  readonly localShare?: number;
  readonly growth?: readonly number[];
  readonly kwhUsd?: number;
  readonly hoursPerDay?: number;
  readonly maintenanceHoursPerMonth?: number;
  readonly maintenanceHourlyUsd?: number;
}

export interface PlanDeps {
  readonly config: TollgateConfig;
  /** The ledger; needed unless the traffic comes from a what-if file. */
  readonly store?: LedgerStore;
  readonly priceBook: PriceBook;
  /** config/hardware.yaml, loaded once. */
  readonly catalog: HardwareCatalog;
}

/** Where the traffic came from. */
export type TrafficSource = ({ readonly kind: 'ledger' } & Omit<MeasuredTraffic, 'tasks' | 'warnings'>) | { readonly kind: 'what-if'; readonly file: string };

/** Where each assumption came from: `argument` (flag or query), a config path, `what-if`, `ledger`. */
export interface InputOrigins {
  readonly localShare: 'argument' | 'what-if' | 'planning.localShare' | 'ledger' | 'none';
  readonly kwhUsd: 'argument' | 'planning.kwhUsd' | 'pricing.local.kwhUsd';
  readonly hoursPerDay: 'argument' | 'planning.hoursPerDay';
  readonly maintenance: 'argument' | 'planning.maintenance';
  readonly growth: 'argument' | 'planning.growth';
}

export interface PlanReport extends PlanResult {
  readonly source: TrafficSource;
  readonly origins: InputOrigins;
}

/** A plan that cannot be made from what was given (e.g. a what-if file with no local share). */
export class PlanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanInputError';
  }
}

export async function buildPlan(deps: PlanDeps, options: PlanOptions): Promise<PlanReport> {
  const planning = deps.config.planning;
  const hardware = resolveHardwareOptions(deps.catalog, planning.hardware, deps.config.pricing.local);

  let source: TrafficSource;
  let traffic: PlanResult['inputs']['traffic'];
  let found: { share: number; from: InputOrigins['localShare'] } | undefined;
  const warnings: string[] = [];
  if (options.whatIf) {
    source = { kind: 'what-if', file: options.whatIf.source };
    traffic = options.whatIf.tasks;
    if (options.whatIf.localShare !== undefined) found = { share: options.whatIf.localShare, from: 'what-if' };
  } else {
    if (deps.store === undefined) throw new PlanInputError('A plan from measured traffic needs the ledger store.');
    const measured = await measureTraffic(deps.store, { since: options.since, until: options.until, referenceFor: (task) => deps.priceBook.referenceFor(task, undefined) });
    const { tasks, warnings: measuredWarnings, ...window } = measured;
    source = { kind: 'ledger', ...window };
    traffic = tasks;
    warnings.push(...measuredWarnings);
    if (measured.localShare !== null) found = { share: measured.localShare, from: 'ledger' };
  }

  const share: { share: number; from: InputOrigins['localShare'] } | undefined =
    options.localShare !== undefined
      ? { share: options.localShare, from: 'argument' }
      : found?.from === 'what-if'
        ? found
        : planning.localShare !== undefined
          ? { share: planning.localShare, from: 'planning.localShare' }
          : found;
  if (share === undefined && options.whatIf) {
    throw new PlanInputError('A what-if plan needs the share of the work that would run locally: set localShare in the file, planning.localShare in the config, or pass --local-share.');
  }
  if (share === undefined && traffic.length > 0) warnings.push('The ledger has no reference cost to measure a local share from; assuming 0 (pass --local-share to plan another).');

  const maintenanceGiven = options.maintenanceHoursPerMonth !== undefined || options.maintenanceHourlyUsd !== undefined;
  const result = planRoi({
    traffic,
    localShare: share?.share ?? 0,
    kwhUsd: options.kwhUsd ?? planning.kwhUsd ?? deps.config.pricing.local.kwhUsd,
    hoursPerDay: options.hoursPerDay ?? planning.hoursPerDay,
    maintenanceHoursPerMonth: options.maintenanceHoursPerMonth ?? planning.maintenance.hoursPerMonth,
    maintenanceHourlyUsd: options.maintenanceHourlyUsd ?? planning.maintenance.hourlyUsd,
    growth: options.growth ?? planning.growth,
    hardware,
  });
  return {
    ...result,
    warnings: [...warnings, ...result.warnings],
    source,
    origins: {
      localShare: share?.from ?? 'none',
      kwhUsd: options.kwhUsd !== undefined ? 'argument' : planning.kwhUsd !== undefined ? 'planning.kwhUsd' : 'pricing.local.kwhUsd',
      hoursPerDay: options.hoursPerDay !== undefined ? 'argument' : 'planning.hoursPerDay',
      maintenance: maintenanceGiven ? 'argument' : 'planning.maintenance',
      growth: options.growth !== undefined ? 'argument' : 'planning.growth',
    },
  };
}
