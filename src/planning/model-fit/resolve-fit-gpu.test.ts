import { describe, expect, it } from 'vitest';
import type { HardwareOption } from '../roi/hardware-catalog.js';
import { GpuNotFoundError, resolveFitGpu } from './resolve-fit-gpu.js';

const option = (id: string, name: string, vramGb: number | null, memoryBandwidthGBps: number | null): HardwareOption => ({
  id,
  name,
  vramGb,
  memoryBandwidthGBps,
  priceUsd: 0,
  loadWatts: 0,
  idleWatts: 0,
  promptTokensPerSecond: 1,
  outputTokensPerSecond: 1,
});

const catalog = [
  option('rtx-3090', 'RTX 3090 (used)', 24, 936),
  option('rtx-4090', 'RTX 4090', 24, 1008),
  option('rtx-4060-ti-16gb', 'RTX 4060 Ti 16 GB', 16, 288),
  option('existing', 'No purchase (existing machine)', null, null),
];

describe('resolveFitGpu', () => {
  it('finds a catalogue GPU by name, prefix or id, ignoring case, spaces and a GeForce prefix', () => {
    expect(resolveFitGpu(catalog, { gpu: 'RTX 3090' })).toEqual({ name: 'RTX 3090 (used)', vramGb: 24, bandwidthGBps: 936 });
    expect(resolveFitGpu(catalog, { gpu: 'rtx-4090' })).toEqual({ name: 'RTX 4090', vramGb: 24, bandwidthGBps: 1008 });
    expect(resolveFitGpu(catalog, { gpu: 'NVIDIA GeForce RTX 4060 Ti' })).toEqual({ name: 'RTX 4060 Ti 16 GB', vramGb: 16, bandwidthGBps: 288 });
  });

  it('lets --vram-gb and --bandwidth-gbps override, or stand for a GPU the catalogue lacks', () => {
    expect(resolveFitGpu(catalog, { gpu: 'RTX 3090', vramGb: 20, bandwidthGBps: 900 })).toEqual({ name: 'RTX 3090 (used)', vramGb: 20, bandwidthGBps: 900 });
    expect(resolveFitGpu(catalog, { gpu: 'A6000', vramGb: 48 })).toEqual({ name: 'A6000', vramGb: 48 });
    expect(resolveFitGpu(catalog, { vramGb: 12, bandwidthGBps: 360 })).toEqual({ name: '12 GB GPU', vramGb: 12, bandwidthGBps: 360 });
    expect(resolveFitGpu(catalog, { gpu: 'existing', vramGb: 12 })).toEqual({ name: 'No purchase (existing machine)', vramGb: 12 });
  });

  it('says what to give when it cannot tell', () => {
    expect(() => resolveFitGpu(catalog, {})).toThrow(GpuNotFoundError);
    expect(() => resolveFitGpu(catalog, { gpu: 'RTX 40' })).toThrow("'RTX 40' matches RTX 4090, RTX 4060 Ti 16 GB: be more specific.");
    expect(() => resolveFitGpu(catalog, { gpu: 'A6000' })).toThrow(/not in the hardware catalogue \(the catalogue has RTX 3090 \(used\), RTX 4090, RTX 4060 Ti 16 GB\): add --vram-gb/);
    expect(() => resolveFitGpu(catalog, { gpu: 'existing' })).toThrow('The hardware catalogue gives no VRAM for No purchase (existing machine): add --vram-gb <GiB>.');
  });
});
