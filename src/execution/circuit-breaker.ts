/**
 * A consecutive-failure circuit breaker for one target, on an injected clock.
 *
 * Not cockatiel's CircuitBreakerPolicy: that one reads `Date.now()` itself (tests would need
 * global fake timers) and wraps a function call, while a streamed answer is judged only when the
 * stream ends, long after the call returned. Here the caller takes a pass and records the verdict
 * whenever it is known.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

/** A call let through: `pass` while closed, `probe` for the single trial call while half-open. */
export type BreakerPass = 'pass' | 'probe';

/** `neutral`: the call says nothing about the target's health (client abort, a bad request). */
export type BreakerVerdict = 'success' | 'failure' | 'neutral';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before one probe is let through. */
  readonly cooldownMs: number;
  readonly now: () => number;
}

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private open = false;
  private openedAt = 0;
  /** True while the half-open probe is out: everyone else still skips. */
  private probing = false;

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): BreakerState {
    if (!this.open) return 'closed';
    return this.coolingDown() ? 'open' : 'half-open';
  }

  /** Whether `acquire` would let a call through, without taking the probe (checked before queueing for capacity). */
  allows(): boolean {
    return !this.open || (!this.probing && !this.coolingDown());
  }

  /** A pass for one call, or undefined when the call must skip this target. */
  acquire(): BreakerPass | undefined {
    if (!this.open) return 'pass';
    if (this.probing || this.coolingDown()) return undefined;
    this.probing = true;
    return 'probe';
  }

  record(pass: BreakerPass, verdict: BreakerVerdict): void {
    if (pass === 'probe') {
      this.probing = false;
      if (verdict === 'success') {
        this.open = false;
        this.consecutiveFailures = 0;
      } else if (verdict === 'failure') {
        this.openedAt = this.options.now();
      }
      // neutral: still half-open, the next caller probes.
      return;
    }
    // A call let through before the breaker opened says nothing about the target now.
    if (this.open) return;
    if (verdict === 'success') {
      this.consecutiveFailures = 0;
    } else if (verdict === 'failure' && ++this.consecutiveFailures >= this.options.failureThreshold) {
      this.open = true;
      this.openedAt = this.options.now();
    }
  }

  private coolingDown(): boolean {
    return this.options.now() - this.openedAt < this.options.cooldownMs;
  }
}
