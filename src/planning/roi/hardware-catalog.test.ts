import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/index.js';
import { HardwareCatalogError, loadHardwareCatalog, parseHardwareCatalog, resolveHardwareOptions } from './hardware-catalog.js';

const local = { gpuWatts: 350, idleWatts: undefined };

describe('config/hardware.yaml', () => {
  it('ships the options the plan compares, each with power draw and throughput', async () => {
    const options = resolveHardwareOptions(await loadHardwareCatalog(), {}, local);
    expect(options.map(({ id, name, priceUsd, vramGb, memoryBandwidthGBps }) => ({ id, name, priceUsd, vramGb, memoryBandwidthGBps }))).toEqual([
      { id: 'rtx-3090', name: 'RTX 3090 (used)', priceUsd: 1200, vramGb: 24, memoryBandwidthGBps: 936 },
      { id: 'rtx-4090', name: 'RTX 4090', priceUsd: 1800, vramGb: 24, memoryBandwidthGBps: 1008 },
      { id: 'rtx-4060-ti-16gb', name: 'RTX 4060 Ti 16 GB', priceUsd: 500, vramGb: 16, memoryBandwidthGBps: 288 },
      { id: 'existing', name: 'No purchase (existing machine)', priceUsd: 0, vramGb: null, memoryBandwidthGBps: null },
    ]);
    for (const option of options) {
      expect(option.loadWatts, option.id).toBeGreaterThan(option.idleWatts);
      expect(option.outputTokensPerSecond, option.id).toBeGreaterThan(0);
      expect(option.promptTokensPerSecond, option.id).toBeGreaterThan(option.outputTokensPerSecond);
    }
    // The existing machine is the one pricing.local describes; idle counts only when set there.
    expect(options[3]).toMatchObject({ loadWatts: 350, idleWatts: 0 });
    expect(resolveHardwareOptions(await loadHardwareCatalog(), {}, { gpuWatts: 280, idleWatts: 45 })[3]).toMatchObject({ loadWatts: 280, idleWatts: 45 });
  });
});

describe('planning.hardware', () => {
  const catalog = parseHardwareCatalog('a: { name: A, priceUsd: 100, loadWatts: 200, idleWatts: 20, promptTokensPerSecond: 1000, outputTokensPerSecond: 50 }', 'test');

  it('changes only the fields it names on a known id, and adds new ids after the catalogue', () => {
    const options = resolveHardwareOptions(catalog, { a: { priceUsd: 80 }, b: { name: 'B', priceUsd: 4000, vramGb: 48, memoryBandwidthGBps: 960, loadWatts: 400, idleWatts: 40, promptTokensPerSecond: 3000, outputTokensPerSecond: 100 } }, local);
    expect(options).toEqual([
      { id: 'a', name: 'A', priceUsd: 80, vramGb: null, memoryBandwidthGBps: null, loadWatts: 200, idleWatts: 20, promptTokensPerSecond: 1000, outputTokensPerSecond: 50 },
      { id: 'b', name: 'B', priceUsd: 4000, vramGb: 48, memoryBandwidthGBps: 960, loadWatts: 400, idleWatts: 40, promptTokensPerSecond: 3000, outputTokensPerSecond: 100 },
    ]);
  });

  it('names the path when a new option misses a field', () => {
    try {
      resolveHardwareOptions(catalog, { b: { name: 'B', priceUsd: 1 } }, local);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HardwareCatalogError);
      expect((error as HardwareCatalogError).issues).toEqual([
        'planning.hardware.b.promptTokensPerSecond: expected tokens per second (a new hardware option must give every field)',
        'planning.hardware.b.outputTokensPerSecond: expected tokens per second (a new hardware option must give every field)',
      ]);
    }
  });

  it('is validated with the config, with defaults that keep existing configs valid', () => {
    expect(validateConfig({}, 'test').planning).toMatchObject({ hardware: {}, hoursPerDay: 24, maintenance: { hoursPerMonth: 2, hourlyUsd: 50 }, growth: [1, 10] });
    expect(() => validateConfig({ planning: { hardware: { 'rtx-3090': { priceUsd: -5 } }, localShare: 2, hoursPerDay: 25, growth: [] } }, 'test')).toThrow(
      /planning\.hardware\.rtx-3090\.priceUsd: expected a price of 0 or more[\s\S]*planning\.hoursPerDay: expected at most 24 hours[\s\S]*planning\.localShare: expected a share from 0 to 1[\s\S]*planning\.growth: expected at least one growth factor/,
    );
  });

  it('rejects a broken catalogue file by path', () => {
    expect(() => parseHardwareCatalog('x: { name: X, priceUsd: 1, promptTokensPerSecond: 0, outputTokensPerSecond: 1 }', 'hw.yaml')).toThrow(/Invalid hardware catalogue \(hw\.yaml\):\n {2}- x\.promptTokensPerSecond: expected more than 0 tokens per second/);
  });
});
