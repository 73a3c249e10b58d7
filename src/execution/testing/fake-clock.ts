/**
 * A manual clock for executor tests: `now()` and `sleep()` read and wait on virtual time that
 * only moves when the test calls `advance()`. No test sleeps for real.
 */
export interface FakeClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves time forward, firing due timers in order and letting the code they wake run in between. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise chains run without moving time. */
  flush(): Promise<void>;
  /** Every duration `sleep` was called with, in order (timeouts and deadlines included). */
  readonly sleeps: number[];
  /** Timers not yet fired or cancelled. */
  pending(): number;
}

interface Timer {
  readonly due: number;
  readonly seq: number;
  fire(): void;
}

export function createFakeClock(start = 0): FakeClock {
  let time = start;
  let seq = 0;
  const timers = new Set<Timer>();
  const sleeps: number[] = [];

  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

  return {
    now: () => time,
    sleeps,
    pending: () => timers.size,
    flush,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          timers.delete(timer);
          reject(signal?.reason);
        };
        const timer: Timer = {
          due: time + Math.max(0, ms),
          seq: seq++,
          fire: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        timers.add(timer);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async advance(ms) {
      const target = time + ms;
      await flush();
      for (;;) {
        let next: Timer | undefined;
        for (const timer of timers) {
          if (timer.due <= target && (!next || timer.due < next.due || (timer.due === next.due && timer.seq < next.seq))) next = timer;
        }
        if (!next) break;
        timers.delete(next);
        time = Math.max(time, next.due);
        next.fire();
        await flush();
      }
      time = target;
      await flush();
    },
  };
}
