import { abortReason } from '../providers/shared/index.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** What a request gets from a full host: a slot, or the reason it should go elsewhere. */
export type CapacityOutcome = 'acquired' | 'capacity-full' | 'queue-timeout';

interface Waiter {
  grant(): void;
}

/**
 * In-flight limit for one local host (a GPU runs a few generations at once; more only queue
 * inside Ollama where we cannot see or bound the wait). FIFO: a released slot goes straight to
 * the oldest waiter, so a newcomer cannot barge past the queue.
 */
export class CapacityLimiter {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
    private readonly sleep: Sleep,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Takes a slot if one is free now; the common case, without a promise. */
  tryAcquire(): boolean {
    if (this.running >= this.limit || this.waiters.length > 0) return false;
    this.running++;
    return true;
  }

  /**
   * Takes a slot, waiting in the queue up to `waitMs` when the host is busy. Rejects with the
   * signal's reason when it aborts while waiting (the caller decides what that abort means).
   */
  acquire(waitMs: number, signal?: AbortSignal): Promise<CapacityOutcome> {
    if (this.tryAcquire()) return Promise.resolve('acquired');
    if (this.waiters.length >= this.queueLimit || waitMs <= 0) return Promise.resolve('capacity-full');
    if (signal?.aborted) return Promise.reject(abortReason(signal));

    return new Promise<CapacityOutcome>((resolve, reject) => {
      const timer = new AbortController();
      const cleanup = () => {
        timer.abort();
        signal?.removeEventListener('abort', onAbort);
      };
      const leave = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        cleanup();
      };
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve('acquired');
        },
      };
      const onAbort = () => {
        leave();
        reject(abortReason(signal as AbortSignal));
      };
      this.sleep(waitMs, timer.signal).then(
        () => {
          // Granted in the same tick the wait expired: the waiter is gone and `resolve` already ran.
          if (timer.signal.aborted) return;
          leave();
          resolve('queue-timeout');
        },
        () => undefined,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives a slot back: to the oldest waiter if there is one, else to the pool. Call once per acquired slot. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.running--;
  }
}
