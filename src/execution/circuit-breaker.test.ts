import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function setup() {
  let time = 0;
  const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, now: () => time });
  const fail = () => breaker.record(breaker.acquire() ?? 'pass', 'failure');
  return { breaker, fail, tick: (ms: number) => (time += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures; a success resets the count', () => {
    const { breaker, fail } = setup();
    fail();
    fail();
    breaker.record('pass', 'success');
    fail();
    fail();
    expect(breaker.state).toBe('closed');
    fail();
    expect(breaker.state).toBe('open');
    expect(breaker.acquire()).toBeUndefined();
  });

  it('ignores neutral verdicts', () => {
    const { breaker, fail } = setup();
    fail();
    fail();
    breaker.record('pass', 'neutral');
    expect(breaker.state).toBe('closed');
    fail();
    expect(breaker.state).toBe('open');
  });

  it('lets exactly one probe through after the cooldown; success closes', () => {
    const { breaker, fail, tick } = setup();
    fail();
    fail();
    fail();
    tick(999);
    expect(breaker.allows()).toBe(false);
    tick(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.acquire()).toBe('probe');
    expect(breaker.allows()).toBe(false);
    expect(breaker.acquire()).toBeUndefined();
    breaker.record('probe', 'success');
    expect(breaker.state).toBe('closed');
    expect(breaker.acquire()).toBe('pass');
  });

  it('reopens for a full cooldown when the probe fails; a neutral probe frees the slot', () => {
    const { breaker, fail, tick } = setup();
    fail();
    fail();
    fail();
    tick(1000);
    breaker.record(breaker.acquire() ?? 'pass', 'neutral');
    expect(breaker.state).toBe('half-open');
    expect(breaker.acquire()).toBe('probe');
    tick(50);
    breaker.record('probe', 'failure');
    expect(breaker.state).toBe('open');
    tick(999);
    expect(breaker.state).toBe('open');
    tick(1);
    expect(breaker.state).toBe('half-open');
  });

  it('ignores late verdicts of calls let through before it opened', () => {
    const { breaker, fail, tick } = setup();
    const early = breaker.acquire() ?? 'pass';
    fail();
    fail();
    fail();
    breaker.record(early, 'success');
    expect(breaker.state).toBe('open');
    tick(1000);
    expect(breaker.state).toBe('half-open');
  });
});
