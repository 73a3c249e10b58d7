import { describe, expect, it } from 'vitest';
import type { HardwareOption } from './hardware-catalog.js';
import { breakEvenMonth, planRoi, type RoiInputs, type RoiScenario } from './plan-roi.js';

const rtx3090: HardwareOption = { id: 'rtx-3090', name: 'RTX 3090 (used)', priceUsd: 1200, vramGb: 24, memoryBandwidthGBps: 936, loadWatts: 430, idleWatts: 80, promptTokensPerSecond: 4000, outputTokensPerSecond: 115 };
const existing: HardwareOption = { id: 'existing', name: 'No purchase', priceUsd: 0, vramGb: null, memoryBandwidthGBps: null, loadWatts: 350, idleWatts: 0, promptTokensPerSecond: 2000, outputTokensPerSecond: 50 };
const rtx4060: HardwareOption = { id: 'rtx-4060-ti-16gb', name: 'RTX 4060 Ti 16 GB', priceUsd: 500, vramGb: 16, memoryBandwidthGBps: 288, loadWatts: 245, idleWatts: 60, promptTokensPerSecond: 2000, outputTokensPerSecond: 40 };

/**
 * The team of docs/planning.md: 24,000 kb-analysis calls (3,000 in / 500 out) against Claude
 * Sonnet 5.5 (2 / 10 per million): 72 × 2 + 12 × 10 = $264; 12,000 summaries (2,000 in / 150 out)
 * against Claude Haiku 5.5 (0.10 / 0.50): 24 × 0.10 + 1.8 × 0.50 = $3.30. C = $267.30 a month.
 */
const team: RoiInputs = {
  traffic: [
    { task: 'kb-analysis', referenceModel: 'anthropic/claude-sonnet-5-5', requests: 24_000, inputTokens: 72_000_000, outputTokens: 12_000_000, referenceCostUsd: 264 },
    { task: 'summary', referenceModel: 'anthropic/claude-haiku-5-5', requests: 12_000, inputTokens: 24_000_000, outputTokens: 1_800_000, referenceCostUsd: 3.3 },
  ],
  localShare: 0.75,
  kwhUsd: 0.2,
  hoursPerDay: 24,
  maintenanceHoursPerMonth: 2,
  maintenanceHourlyUsd: 50,
  growth: [1, 10],
  hardware: [rtx3090, existing],
};

/** Every money and hour figure of a scenario, to 9 decimals. */
function expectScenario(actual: RoiScenario | undefined, expected: Partial<Record<keyof RoiScenario, number | boolean | null>>): void {
  expect(actual).toBeDefined();
  for (const [key, value] of Object.entries(expected)) {
    const got = actual![key as keyof RoiScenario];
    if (typeof value === 'number') expect(got, key).toBeCloseTo(value, 9);
    else expect(got, key).toBe(value);
  }
}

describe('planRoi', () => {
  it('works the docs example through: RTX 3090 at 1× and 10×', () => {
    const plan = planRoi(team);
    expect(plan.monthly).toEqual({ requests: 36_000, inputTokens: 96_000_000, outputTokens: 13_800_000, referenceCostUsd: 267.3, hoursOn: 730, maintenanceUsd: 100 });
    const [gpu] = plan.options;
    // All of today's traffic: 96M ÷ 4,000 + 13.8M ÷ 115 = 24,000 + 120,000 s = 40 h.
    expect(gpu!.busyHoursAtFullShare).toBeCloseTo(40, 9);
    // 730 h × 80 W = 58.4 kWh × $0.20.
    expect(gpu!.idleEnergyUsd).toBeCloseTo(11.68, 9);
    // 40 h × 350 W = 14 kWh × $0.20.
    expect(gpu!.generationEnergyAtFullShareUsd).toBeCloseTo(2.8, 9);
    expectScenario(gpu!.scenarios[0], {
      growth: 1,
      cloudOnlyUsd: 267.3,
      localInputTokens: 72_000_000,
      localOutputTokens: 10_350_000,
      busyHours: 30,
      hoursOn: 730,
      fits: true,
      energyKwh: 68.9, // 58.4 + 30 h × 350 W
      energyUsd: 13.78,
      remainingCloudUsd: 66.825, // 25 % of 267.30
      maintenanceUsd: 100,
      hybridUsd: 180.605,
      savingsUsd: 86.695,
      breakEvenMonth: 14, // 1,200 ÷ 86.695 = 13.84
      netYear1Usd: -159.66,
      netYear5Usd: 4001.7,
      // (1,200 ÷ 24 + 11.68 + 100) ÷ (267.30 − 2.80) = 161.68 ÷ 264.50
      localShareToBreakEven: 161.68 / 264.5,
    });
    expectScenario(gpu!.scenarios[1], {
      growth: 10,
      cloudOnlyUsd: 2673,
      busyHours: 300,
      fits: true,
      energyKwh: 163.4,
      energyUsd: 32.68,
      remainingCloudUsd: 668.25,
      hybridUsd: 800.93,
      savingsUsd: 1872.07,
      breakEvenMonth: 1,
      netYear1Usd: 21_264.84,
      netYear5Usd: 111_124.2,
      localShareToBreakEven: 161.68 / 2645,
    });
    // 161.68 ÷ (0.75 × 264.50); 730 h ÷ (0.75 × 40 h).
    expect(gpu!.volumeMultipleToBreakEven).toBeCloseTo(161.68 / 198.375, 12);
    expect(gpu!.maxVolumeMultiple).toBeCloseTo(730 / 30, 12);
    expect(plan.warnings).toEqual([]);
  });

  it('prices no purchase with no price and, here, no idle draw: break-even at month 0', () => {
    const [, box] = planRoi(team).options;
    // 96M ÷ 2,000 + 13.8M ÷ 50 = 48,000 + 276,000 s = 90 h; 75 % of it is 67.5 h × 350 W.
    expect(box!.busyHoursAtFullShare).toBeCloseTo(90, 9);
    expectScenario(box!.scenarios[0], { busyHours: 67.5, energyKwh: 23.625, energyUsd: 4.725, hybridUsd: 171.55, savingsUsd: 95.75, breakEvenMonth: 0, netYear1Usd: 1149, netYear5Usd: 5745, localShareToBreakEven: 100 / 261 });
    expectScenario(box!.scenarios[1], { busyHours: 675, fits: true, energyUsd: 47.25, hybridUsd: 815.5, savingsUsd: 1857.5, breakEvenMonth: 0 });
    expect(box!.volumeMultipleToBreakEven).toBeCloseTo(100 / 195.75, 12);
  });

  it('the share it reports as needed does break even in exactly 24 months', () => {
    const needed = planRoi(team).options[0]!.scenarios[0]!.localShareToBreakEven!;
    const atNeeded = planRoi({ ...team, localShare: needed, growth: [1] }).options[0]!.scenarios[0]!;
    expect(atNeeded.savingsUsd * 24).toBeCloseTo(1200, 9);
    expect(atNeeded.breakEvenMonth).toBe(24);
    const volume = planRoi(team).options[0]!.volumeMultipleToBreakEven!;
    expect(planRoi({ ...team, growth: [volume] }).options[0]!.scenarios[0]!.breakEvenMonth).toBe(24);
  });

  it('gives a 61-point cumulative net series from −price', () => {
    const scenario = planRoi(team).options[0]!.scenarios[0]!;
    expect(scenario.cumulativeNetUsd).toHaveLength(61);
    expect(scenario.cumulativeNetUsd[0]).toBe(-1200);
    expect(scenario.cumulativeNetUsd[14]).toBeCloseTo(14 * 86.695 - 1200, 9);
    expect(scenario.cumulativeNetUsd[60]).toBeCloseTo(scenario.netYear5Usd, 9);
  });

  it('flags a box that cannot serve the local share at its throughput, and still shows the figures', () => {
    const plan = planRoi({ ...team, hardware: [rtx4060] });
    const [atOne, atTen] = plan.options[0]!.scenarios;
    // 96M ÷ 2,000 + 13.8M ÷ 40 = 48,000 + 345,000 s = 109.17 h; × 0.75 × 10 = 818.75 h > 730 h.
    expectScenario(atOne, { busyHours: 81.875, fits: true });
    expectScenario(atTen, { busyHours: 818.75, fits: false, utilisation: 818.75 / 730 });
    expect(atTen!.savingsUsd).toBeCloseTo(2673 - (((730 * 60 + 818.75 * 185) / 1000) * 0.2 + 668.25 + 100), 9);
    expect(plan.warnings).toEqual([expect.stringMatching(/^RTX 4060 Ti 16 GB at 10×: the local share needs 818\.8 h of generation a month but the box is on 730 h \(1\.12× its single-stream capacity\)/)]);
    expect(plan.options[0]!.maxVolumeMultiple).toBeCloseTo(730 / 81.875, 12);
  });

  it('with no traffic: idle power and maintenance only, never breaks even, no share or volume helps', () => {
    const plan = planRoi({ ...team, traffic: [] });
    expect(plan.monthly.referenceCostUsd).toBe(0);
    const [gpu, box] = plan.options;
    expectScenario(gpu!.scenarios[0], { cloudOnlyUsd: 0, busyHours: 0, energyUsd: 11.68, hybridUsd: 111.68, savingsUsd: -111.68, breakEvenMonth: null, netYear1Usd: -12 * 111.68 - 1200, localShareToBreakEven: null });
    expect(gpu!.volumeMultipleToBreakEven).toBeNull();
    expect(gpu!.maxVolumeMultiple).toBeNull();
    // The free box still costs its maintenance: it never pays.
    expectScenario(box!.scenarios[0], { savingsUsd: -100, breakEvenMonth: null, netYear5Usd: -6000 });
    expect(plan.warnings[0]).toMatch(/^No traffic/);
    // With nothing to maintain either, a free box neither gains nor loses: even from month 0.
    const free = planRoi({ ...team, traffic: [], maintenanceHoursPerMonth: 0, hardware: [existing] });
    expectScenario(free.options[0]!.scenarios[0], { savingsUsd: 0, breakEvenMonth: 0, netYear5Usd: 0 });
  });

  it('says never when the box costs more to run than it saves', () => {
    // $20 a month of reference cost, 75 % local: 15 saved, against 11.68 idle + 100 maintenance.
    const small = planRoi({ ...team, traffic: [{ task: 'x', referenceModel: null, requests: 100, inputTokens: 0, outputTokens: 0, referenceCostUsd: 20 }] });
    const scenario = small.options[0]!.scenarios[0]!;
    expect(scenario.savingsUsd).toBeCloseTo(15 - 111.68, 9);
    expect(scenario.breakEvenMonth).toBeNull();
    // (50 + 11.68 + 100) ÷ 20: eight times more work than there is.
    expect(scenario.localShareToBreakEven).toBeCloseTo(8.084, 9);
    expect(small.options[0]!.volumeMultipleToBreakEven).toBeCloseTo(161.68 / 15, 9);
  });

  it('with nothing local, no volume helps and capacity is unbounded', () => {
    const option = planRoi({ ...team, localShare: 0 }).options[0]!;
    expectScenario(option.scenarios[0], { busyHours: 0, remainingCloudUsd: 267.3, savingsUsd: -111.68, breakEvenMonth: null });
    expect(option.volumeMultipleToBreakEven).toBeNull();
    expect(option.maxVolumeMultiple).toBeNull();
  });

  it('repeats its inputs', () => {
    expect(planRoi(team).inputs).toBe(team);
  });
});

describe('breakEvenMonth', () => {
  it('is the first whole month whose cumulative savings cover the price', () => {
    expect(breakEvenMonth(1200, 100)).toBe(12);
    expect(breakEvenMonth(1200, 99.99)).toBe(13);
    expect(breakEvenMonth(0.3, 0.1)).toBe(3); // 2.9999999999999996 in floating point
    expect(breakEvenMonth(1200, 5000)).toBe(1);
  });
  it('is 0 for a free box that does not lose money, and never for a loss', () => {
    expect(breakEvenMonth(0, 10)).toBe(0);
    expect(breakEvenMonth(0, 0)).toBe(0);
    expect(breakEvenMonth(0, -1)).toBeNull();
    expect(breakEvenMonth(1200, 0)).toBeNull();
    expect(breakEvenMonth(1200, -5)).toBeNull();
  });
});
