import { describe, expect, it } from 'vitest';
import { CapacityLimiter } from './capacity-limiter.js';
import { createFakeClock } from './testing/fake-clock.js';

describe('CapacityLimiter', () => {
  it('admits up to the limit, queues up to the queue limit, refuses beyond', async () => {
    const clock = createFakeClock();
    const limiter = new CapacityLimiter(2, 1, clock.sleep);
    expect(limiter.tryAcquire()).toBe(true);
    expect(await limiter.acquire(100)).toBe('acquired');
    const queued = limiter.acquire(100);
    expect(limiter.queued).toBe(1);
    expect(await limiter.acquire(100)).toBe('capacity-full');
    limiter.release();
    expect(await queued).toBe('acquired');
    expect({ inFlight: limiter.inFlight, queued: limiter.queued }).toEqual({ inFlight: 2, queued: 0 });
    limiter.release();
    limiter.release();
    expect(limiter.inFlight).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('serves waiters first in, first out, and a newcomer cannot barge past them', async () => {
    const clock = createFakeClock();
    const limiter = new CapacityLimiter(1, 5, clock.sleep);
    limiter.tryAcquire();
    const order: string[] = [];
    const a = limiter.acquire(100).then((outcome) => order.push(`a:${outcome}`));
    const b = limiter.acquire(100).then((outcome) => order.push(`b:${outcome}`));
    limiter.release();
    expect(limiter.tryAcquire()).toBe(false);
    await a;
    limiter.release();
    await b;
    expect(order).toEqual(['a:acquired', 'b:acquired']);
  });

  it('gives up after the wait and leaves the queue', async () => {
    const clock = createFakeClock();
    const limiter = new CapacityLimiter(1, 5, clock.sleep);
    limiter.tryAcquire();
    const waiting = limiter.acquire(100);
    await clock.advance(99);
    expect(limiter.queued).toBe(1);
    await clock.advance(1);
    expect(await waiting).toBe('queue-timeout');
    expect(limiter.queued).toBe(0);
  });

  it('leaves the queue and rejects with the reason when the signal aborts', async () => {
    const clock = createFakeClock();
    const limiter = new CapacityLimiter(1, 5, clock.sleep);
    limiter.tryAcquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(100, controller.signal);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(limiter.queued).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});
