import { describe, expect, it } from 'vitest';
import { createRng } from '../sim/common/text-generator.js';
import { bucketOf, emptyBuckets, LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT, quantile } from './latency-histogram.js';

/** The histogram of some values, counted the obvious way (no bucketOf). */
function histogramOf(values: readonly number[]): number[] {
  const counts = emptyBuckets();
  for (const value of values) {
    const index = LATENCY_BUCKET_BOUNDS_MS.filter((bound) => bound < value).length;
    counts[index]! += 1;
  }
  return counts;
}

/** The nearest-rank q-quantile of the values themselves: the ⌈q·n⌉-th smallest. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** n lognormal values around `median` with log-spread `sigma`. */
function lognormal(random: () => number, n: number, median: number, sigma: number): number[] {
  return Array.from({ length: n }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return median * Math.exp(sigma * normal);
  });
}

describe('latency histogram layout', () => {
  it('is the stored one: 23 bounds from 25 ms to 630 s, at most 1.6× apart, plus overflow', () => {
    // One rollup column per bucket (migration 5): a change here is a new migration.
    expect(LATENCY_BUCKET_BOUNDS_MS).toEqual([
      25, 40, 63, 100, 160, 250, 400, 630, 1000, 1600, 2500, 4000, 6300, 10000, 16000, 25000, 40000, 63000, 100000, 160000, 250000, 400000, 630000,
    ]);
    expect(LATENCY_BUCKET_COUNT).toBe(24);
    const ratios = LATENCY_BUCKET_BOUNDS_MS.slice(1).map((bound, index) => bound / LATENCY_BUCKET_BOUNDS_MS[index]!);
    expect(Math.max(...ratios)).toBeLessThanOrEqual(1.6);
    expect(Math.min(...ratios)).toBeGreaterThan(1.5);
  });

  it('counts a value in the first bucket whose upper bound is at least the value', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(25)).toBe(0);
    expect(bucketOf(25.000001)).toBe(1);
    expect(bucketOf(40)).toBe(1);
    expect(bucketOf(999.9)).toBe(8);
    expect(bucketOf(1000)).toBe(8);
    expect(bucketOf(630_000)).toBe(22);
    expect(bucketOf(630_000.5)).toBe(23);
    expect(bucketOf(Number.POSITIVE_INFINITY)).toBe(23);
    expect(bucketOf(Number.NaN)).toBe(23);
    const random = createRng(1);
    for (let n = 0; n < 5_000; n++) {
      const value = Math.exp(random() * Math.log(2_000_000));
      const counts = histogramOf([value]);
      expect(bucketOf(value), String(value)).toBe(counts.indexOf(1));
    }
    for (const bound of LATENCY_BUCKET_BOUNDS_MS) expect(bucketOf(bound)).toBe(LATENCY_BUCKET_BOUNDS_MS.indexOf(bound));
  });
});

describe('quantile', () => {
  it('is null for an empty histogram', () => {
    expect(quantile(emptyBuckets(), 0.5)).toBeNull();
    expect(quantile([], 0.95)).toBeNull();
  });

  it('interpolates linearly inside the bucket the rank falls in', () => {
    // 1,000 ms, 1,500 ms, 3,000 ms: buckets (630, 1000], (1000, 1600], (2500, 4000].
    const counts = histogramOf([1000, 1500, 3000]);
    // p50: rank 1.5 is half way through the one count of (1000, 1600].
    expect(quantile(counts, 0.5)).toBe(1300);
    // p95: rank 2.85, 85% through (2500, 4000].
    expect(quantile(counts, 0.95)).toBeCloseTo(3775, 9);
    // The extremes: the lower edge of the first non-empty bucket, the upper edge of the last.
    expect(quantile(counts, 0)).toBe(630);
    expect(quantile(counts, 1)).toBe(4000);
    // Four values in one bucket spread its width evenly: p25 is a quarter of the way.
    expect(quantile(histogramOf([110, 120, 130, 140]), 0.25)).toBe(100 + 60 * 0.25);
  });

  it('starts the first bucket at 0 and reads the overflow bucket as its lower bound', () => {
    expect(quantile(histogramOf([3, 4]), 0.5)).toBe(12.5);
    expect(quantile(histogramOf([700_000, 900_000]), 0.5)).toBe(630_000);
    expect(quantile(histogramOf([100, 700_000]), 0.95)).toBe(630_000);
  });

  it('stays within the bucket of the true value: at most 1.6× off, whatever the distribution', () => {
    const random = createRng(2);
    let worst = 1;
    for (let trial = 0; trial < 300; trial++) {
      // Anything from a point mass to four decades, between 25 ms and 630 s.
      const centre = Math.exp(Math.log(30) + random() * Math.log(15_000));
      const values = Array.from({ length: 1 + Math.floor(random() * 400) }, () => Math.min(629_000, Math.max(26, centre * Math.exp((random() - 0.5) * trial * 0.03))));
      const counts = histogramOf(values);
      for (const q of [0, 0.5, 0.9, 0.95, 0.99, 1]) {
        const estimate = quantile(counts, q)!;
        const truth = exactQuantile(values, q);
        worst = Math.max(worst, estimate / truth, truth / estimate);
      }
    }
    expect(worst).toBeLessThanOrEqual(1.6);
  });

  it('reads p50 and p95 of realistic latencies within ~11% nine times in ten, never beyond ~17%', () => {
    // Lognormal latencies, medians from 60 ms to 3 min: the figures the layout's comment quotes.
    const random = createRng(3);
    for (const sigma of [0.5, 0.8, 1.2]) {
      const errors: number[] = [];
      for (let trial = 0; trial < 200; trial++) {
        const median = Math.exp(Math.log(60) + random() * Math.log(3_000));
        const values = lognormal(random, 2_000, median, sigma).filter((value) => value > 25 && value <= 630_000);
        const counts = histogramOf(values);
        for (const q of [0.5, 0.95]) errors.push(Math.abs(quantile(counts, q)! / exactQuantile(values, q) - 1));
      }
      errors.sort((a, b) => a - b);
      expect(errors[Math.floor(errors.length / 2)], `σ = ${sigma}, median error`).toBeLessThanOrEqual(0.04);
      expect(errors[Math.floor(errors.length * 0.9)], `σ = ${sigma}, 90th percentile error`).toBeLessThanOrEqual(0.12);
      expect(errors.at(-1), `σ = ${sigma}, worst error`).toBeLessThanOrEqual(0.18);
    }
  });
});
