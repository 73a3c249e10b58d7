import type { HardwareOption } from './hardware-catalog.js';

/**
 * The ROI / break-even arithmetic: pure, so every figure can be checked by hand from the inputs
 * the result repeats. docs/planning.md states the formulas and works an example through.
 *
 * The model, per hardware option and growth factor g, with s the local share:
 *
 *   cloud-only      = g × C                      C: the traffic's reference cost a month
 *   busy hours      = s × g × (input ÷ prompt tok/s + output ÷ output tok/s) ÷ 3600
 *   hours on        = hoursPerDay × 365 ÷ 12
 *   energy kWh      = (hours on × idle W + busy hours × (load W − idle W)) ÷ 1000
 *   energy          = energy kWh × kwhUsd
 *   remaining cloud = (1 − s) × g × C
 *   maintenance     = hours a month × hourly rate
 *   hybrid          = energy + remaining cloud + maintenance
 *   savings         = cloud-only − hybrid
 *   break-even      = the first whole month m with m × savings ≥ price (0 for a free box that
 *                     saves anything; never when savings ≤ 0 and the box costs something)
 *   net after m     = m × savings − price      (year 1: m = 12; 5 years: m = 60)
 *
 * The local share is applied to tokens and to reference cost alike: local work is assumed to cost,
 * per token, what the average does.
 */

/** Days in an average month: 365 ÷ 12. A box on all day is on 730 h a month, the month `pricing.local` uses. */
export const DAYS_PER_MONTH = 365 / 12;
/** The break-even horizon the sensitivity figures solve for. */
export const BREAK_EVEN_TARGET_MONTHS = 24;
/** How far the cumulative-net series runs. */
export const HORIZON_MONTHS = 60;

/** One task's traffic a month at today's volume (growth 1). */
export interface TaskTraffic {
  /** The request's `task` metadata; null for requests without one. */
  readonly task: string | null;
  /** The reference cloud model its cost is measured against, when known; for display. */
  readonly referenceModel: string | null;
  readonly requests: number;
  /** Prompt tokens (uncached + cache read + cache write). */
  readonly inputTokens: number;
  /** Output tokens (text + reasoning). */
  readonly outputTokens: number;
  /** What all of it costs at the reference model's list prices, USD. */
  readonly referenceCostUsd: number;
  /** Measured traffic only: the share of this task's reference cost served locally (shown, not used). */
  readonly localShare?: number | null;
}

export interface RoiInputs {
  /** Traffic a month at today's volume, by task. */
  readonly traffic: readonly TaskTraffic[];
  /** The share of the work that runs locally, 0–1. */
  readonly localShare: number;
  /** Electricity, USD per kWh. */
  readonly kwhUsd: number;
  /** Hours a day the box is switched on. */
  readonly hoursPerDay: number;
  readonly maintenanceHoursPerMonth: number;
  readonly maintenanceHourlyUsd: number;
  /** Traffic multiples to plan for (1 = today's). */
  readonly growth: readonly number[];
  readonly hardware: readonly HardwareOption[];
}

/** One hardware option at one growth factor. Money is USD a month unless the name says otherwise. */
export interface RoiScenario {
  readonly growth: number;
  /** Every request at the reference model's prices. */
  readonly cloudOnlyUsd: number;
  readonly localInputTokens: number;
  readonly localOutputTokens: number;
  /** Hours of generation the local tokens need at the option's single-stream throughput. */
  readonly busyHours: number;
  /** Hours the box is on. */
  readonly hoursOn: number;
  /** busyHours ÷ hoursOn; above 1 the box cannot serve the local share at this volume. */
  readonly utilisation: number;
  /** False when the local tokens need more hours than the box is on: the figures assume it could. */
  readonly fits: boolean;
  readonly energyKwh: number;
  readonly energyUsd: number;
  readonly remainingCloudUsd: number;
  readonly maintenanceUsd: number;
  readonly hybridUsd: number;
  /** cloudOnly − hybrid; negative when running the box costs more than it saves. */
  readonly savingsUsd: number;
  /** Months until cumulative savings cover the price; 0 for a free box that saves; null: never. */
  readonly breakEvenMonth: number | null;
  readonly netYear1Usd: number;
  readonly netYear5Usd: number;
  /**
   * The local share at which this option pays for itself within 24 months at this volume; above 1
   * it cannot; null when no share can (local energy per token costs at least the cloud's price).
   */
  readonly localShareToBreakEven: number | null;
  /** Months 0…60: m × savings − price. */
  readonly cumulativeNetUsd: readonly number[];
}

export interface RoiOption {
  readonly hardware: HardwareOption;
  /** Busy hours a month if ALL of today's traffic ran on this box (s = 1, g = 1). */
  readonly busyHoursAtFullShare: number;
  /** Idle draw over the hours on, USD a month: what the box costs switched on and doing nothing. */
  readonly idleEnergyUsd: number;
  /** Energy of generating all of today's traffic over idle, USD a month (s = 1, g = 1). */
  readonly generationEnergyAtFullShareUsd: number;
  /**
   * The multiple of today's volume at which this option pays for itself within 24 months at the
   * local share; null when no volume does (no local share, or energy per token ≥ its cloud price).
   */
  readonly volumeMultipleToBreakEven: number | null;
  /** The largest multiple of today's volume the box can serve at the local share; null: unbounded (nothing runs locally). */
  readonly maxVolumeMultiple: number | null;
  readonly scenarios: readonly RoiScenario[];
}

export interface PlanResult {
  /** Everything the figures were computed from. */
  readonly inputs: RoiInputs;
  /** Today's traffic a month, summed over tasks, and the fixed monthly figures. */
  readonly monthly: {
    readonly requests: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly referenceCostUsd: number;
    readonly hoursOn: number;
    readonly maintenanceUsd: number;
  };
  readonly breakEvenTargetMonths: number;
  readonly horizonMonths: number;
  readonly options: readonly RoiOption[];
  /** Capacity problems and other things a reader must not miss, one sentence each. */
  readonly warnings: readonly string[];
}

export function planRoi(inputs: RoiInputs): PlanResult {
  const monthly = {
    requests: sum(inputs.traffic, (task) => task.requests),
    inputTokens: sum(inputs.traffic, (task) => task.inputTokens),
    outputTokens: sum(inputs.traffic, (task) => task.outputTokens),
    referenceCostUsd: sum(inputs.traffic, (task) => task.referenceCostUsd),
    hoursOn: inputs.hoursPerDay * DAYS_PER_MONTH,
    maintenanceUsd: inputs.maintenanceHoursPerMonth * inputs.maintenanceHourlyUsd,
  };
  const s = inputs.localShare;
  const C = monthly.referenceCostUsd;
  const M = monthly.maintenanceUsd;
  const warnings: string[] = [];

  const options = inputs.hardware.map((hardware): RoiOption => {
    const P = hardware.priceUsd;
    const busyAtFull = (monthly.inputTokens / hardware.promptTokensPerSecond + monthly.outputTokens / hardware.outputTokensPerSecond) / 3600;
    const idleEnergyUsd = ((monthly.hoursOn * hardware.idleWatts) / 1000) * inputs.kwhUsd;
    const generationAtFull = ((busyAtFull * (hardware.loadWatts - hardware.idleWatts)) / 1000) * inputs.kwhUsd;
    // What 24 months of savings must cover, plus the monthly costs that do not depend on traffic.
    const needed = P / BREAK_EVEN_TARGET_MONTHS + idleEnergyUsd + M;
    // What one unit of share (at growth 1) saves net of its generation energy.
    const perShare = C - generationAtFull;

    const scenarios = inputs.growth.map((g): RoiScenario => {
      const busyHours = s * g * busyAtFull;
      const energyKwh = (monthly.hoursOn * hardware.idleWatts + busyHours * (hardware.loadWatts - hardware.idleWatts)) / 1000;
      const energyUsd = energyKwh * inputs.kwhUsd;
      const cloudOnlyUsd = g * C;
      const remainingCloudUsd = (1 - s) * g * C;
      const hybridUsd = energyUsd + remainingCloudUsd + M;
      const savingsUsd = cloudOnlyUsd - hybridUsd;
      const fits = busyHours <= monthly.hoursOn;
      if (!fits) {
        warnings.push(
          `${hardware.name} at ${g}×: the local share needs ${round(busyHours, 1)} h of generation a month but the box is on ${round(monthly.hoursOn, 1)} h ` +
            `(${round(busyHours / monthly.hoursOn, 2)}× its single-stream capacity); the figures assume it could serve it.`,
        );
      }
      return {
        growth: g,
        cloudOnlyUsd,
        localInputTokens: s * g * monthly.inputTokens,
        localOutputTokens: s * g * monthly.outputTokens,
        busyHours,
        hoursOn: monthly.hoursOn,
        utilisation: monthly.hoursOn > 0 ? busyHours / monthly.hoursOn : 0,
        fits,
        energyKwh,
        energyUsd,
        remainingCloudUsd,
        maintenanceUsd: M,
        hybridUsd,
        savingsUsd,
        breakEvenMonth: breakEvenMonth(P, savingsUsd),
        netYear1Usd: 12 * savingsUsd - P,
        netYear5Usd: 60 * savingsUsd - P,
        localShareToBreakEven: g * perShare > 0 ? needed / (g * perShare) : null,
        cumulativeNetUsd: Array.from({ length: HORIZON_MONTHS + 1 }, (_, m) => m * savingsUsd - P),
      };
    });

    return {
      hardware,
      busyHoursAtFullShare: busyAtFull,
      idleEnergyUsd,
      generationEnergyAtFullShareUsd: generationAtFull,
      volumeMultipleToBreakEven: s * perShare > 0 ? needed / (s * perShare) : null,
      maxVolumeMultiple: s * busyAtFull > 0 ? monthly.hoursOn / (s * busyAtFull) : null,
      scenarios,
    };
  });

  if (monthly.requests === 0 && monthly.referenceCostUsd === 0) warnings.unshift('No traffic: there is nothing to move to a local GPU, so no purchase can pay for itself.');
  return { inputs, monthly, breakEvenTargetMonths: BREAK_EVEN_TARGET_MONTHS, horizonMonths: HORIZON_MONTHS, options, warnings };
}

/**
 * The first whole month at whose end savings have covered the price. A free box breaks even at 0
 * unless it loses money; otherwise a box that saves nothing never does.
 */
export function breakEvenMonth(priceUsd: number, monthlySavingsUsd: number): number | null {
  if (priceUsd <= 0) return monthlySavingsUsd >= 0 ? 0 : null;
  if (monthlySavingsUsd <= 0) return null;
  // The tolerance keeps 1200 ÷ 100 at 12 when floating point makes it 12.000000000000002.
  return Math.ceil(priceUsd / monthlySavingsUsd - 1e-9);
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
