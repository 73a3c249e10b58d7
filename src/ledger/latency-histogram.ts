/**
 * The one bucket layout of the ledger's latency and TTFT histograms. The rollups keep a count per
 * bucket (additive, like every other rollup measure), so p50/p95 over any window and any grouping
 * come from the same rows as the sums, without reading a record.
 *
 * Layout: five buckets per decade (the R5 series 1, 1.6, 2.5, 4, 6.3), upper bounds inclusive,
 * from 25 ms to 630 s (10.5 min), then one bucket for everything slower: 24 buckets. Neighbouring
 * bounds are at most 1.6× apart (25 → 40; the rest 1.575–1.6×).
 *
 * Error of a quantile read from it (linear interpolation inside the bucket it falls in):
 * - Worst case, guaranteed: the estimate lies in the same bucket as the true value, so it is
 *   between 0.625× and 1.6× of it: up to 60% too high (every sample of the bucket on its lower
 *   edge) or 37.5% too low. Narrow distributions come near that: lognormal latencies with σ = 0.1
 *   (one warm model, answers of one length) measured up to ~35% off, 9% in the median case.
 * - Typical: for lognormal latencies with σ ≥ 0.5 (LLM calls of mixed lengths), p50 and p95
 *   measured ~3% off in the median case, within 11% nine times in ten, never beyond ~17% (the
 *   tail bucket of a p95 holds few samples); see latency-histogram.test.ts.
 * - Under 25 ms (cache hits, tiny local answers) the first bucket is [0, 25]: off by less than 25 ms.
 * - Past 630 s a quantile reads as 630 000 ms: a floor ("at least"), not an estimate.
 * Ten buckets per decade (45 bounds) would bound the worst case at 28% for twice the columns.
 *
 * The layout is part of the stored schema (one rollup column per bucket, ledger migration 5):
 * changing it means a new migration, never an edit of this list.
 */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = Object.freeze([
  25, 40, 63, 100, 160, 250, 400, 630, 1_000, 1_600, 2_500, 4_000, 6_300, 10_000, 16_000, 25_000, 40_000, 63_000, 100_000, 160_000, 250_000, 400_000,
  630_000,
]);

/** Buckets per histogram: one per bound, plus the overflow bucket past the last. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** The index of the bucket `ms` is counted in: the first whose upper bound is >= ms, else the overflow bucket. */
export function bucketOf(ms: number): number {
  const bounds = LATENCY_BUCKET_BOUNDS_MS;
  if (!(ms <= bounds[bounds.length - 1]!)) return bounds.length; // also NaN: never a real bucket
  let low = 0;
  let high = bounds.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ms <= bounds[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** A histogram with nothing counted yet. */
export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/**
 * The q-quantile (0 <= q <= 1) of a histogram over LATENCY_BUCKET_BOUNDS_MS, in milliseconds:
 * the bucket where the cumulative count reaches q × total, and linear interpolation between its
 * lower and upper bound (as Prometheus' `histogram_quantile`). The first bucket starts at 0; in the
 * overflow bucket the answer is its lower bound. Null for an empty histogram.
 */
export function quantile(counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const count of counts) total += count;
  if (total <= 0) return null;
  const rank = Math.min(1, Math.max(0, q)) * total;
  const bounds = LATENCY_BUCKET_BOUNDS_MS;
  let below = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index]!;
    if (count <= 0) continue;
    if (below + count >= rank) {
      if (index >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = index === 0 ? 0 : bounds[index - 1]!;
      return lower + (bounds[index]! - lower) * ((rank - below) / count);
    }
    below += count;
  }
  // Unreachable with finite counts (the last non-empty bucket reaches the total); kept total.
  return bounds[bounds.length - 1]!;
}
