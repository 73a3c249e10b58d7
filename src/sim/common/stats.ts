import type { SimStats } from './sim-types.js';

/** Mutable counters behind `SimControl.stats()`; `snapshot()` hands out copies. */
export class StatsRecorder {
  private s: SimStats = StatsRecorder.empty();

  private static empty(): SimStats {
    return { requests: 0, inFlight: 0, cancelled: 0, completed: 0, rejected: 0, faulted: 0, byPath: {}, byModel: {} };
  }

  started(path: string): void {
    this.s.requests += 1;
    this.s.inFlight += 1;
    this.s.byPath[path] = (this.s.byPath[path] ?? 0) + 1;
  }

  model(model: string): void {
    this.s.byModel[model] = (this.s.byModel[model] ?? 0) + 1;
  }

  /** Called exactly once per request, when its response ends one way or another. */
  ended(outcome: 'completed' | 'rejected' | 'cancelled' | 'destroyed'): void {
    this.s.inFlight = Math.max(0, this.s.inFlight - 1);
    if (outcome === 'completed') this.s.completed += 1;
    else if (outcome === 'rejected') this.s.rejected += 1;
    else if (outcome === 'cancelled') this.s.cancelled += 1;
  }

  faulted(): void {
    this.s.faulted += 1;
  }

  snapshot(): SimStats {
    return { ...this.s, byPath: { ...this.s.byPath }, byModel: { ...this.s.byModel } };
  }

  /** Zeroes the counters but keeps `inFlight`: those requests are still open and will end. */
  reset(): void {
    const inFlight = this.s.inFlight;
    this.s = StatsRecorder.empty();
    this.s.inFlight = inFlight;
  }
}
