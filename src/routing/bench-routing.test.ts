import { describe, expect, it } from 'vitest';
import { benchRouting } from '../bench/route-bench.js';

describe('benchRouting', () => {
  it('plans the mix and reports per-call times (no assertion on speed: machines differ)', async () => {
    const { medianNs, p99Ns } = await benchRouting();
    console.log(`routing plan(): median ${medianNs.toFixed(0)} ns, p99 ${p99Ns.toFixed(0)} ns`);
    expect(medianNs).toBeGreaterThan(0);
    expect(Number.isFinite(p99Ns)).toBe(true);
    expect(p99Ns).toBeGreaterThanOrEqual(medianNs);
  });
});
