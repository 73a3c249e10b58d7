import { describe, expect, it } from 'vitest';
import {
  ClientAbortError,
  InvalidRequestError,
  PayloadTooLargeError,
  type ChatCall,
  type ChatModel,
  type Provider,
  type RoutePlan,
  type RouteTarget,
  type StreamPart,
} from '../core/index.js';
import { ExecutionError, createExecutor, type ExecutorDeps } from './executor.js';
import { createFakeClock } from './testing/fake-clock.js';
import { FINISH, START, createScriptedProvider, upstreamError, type ScriptStep } from './testing/scripted-provider.js';

const LOCAL: RouteTarget = { ref: 'ollama/qwen', provider: 'ollama', modelId: 'qwen', local: true, ollama: { numCtx: 8192 } };
const CLOUD: RouteTarget = { ref: 'anthropic/haiku', provider: 'anthropic', modelId: 'haiku', local: false };
const CALL: ChatCall = { model: 'auto', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

type PlanOverrides = { targets?: RouteTarget[]; timeouts?: Partial<RoutePlan['timeouts']>; retry?: Partial<RoutePlan['retry']> };

function plan(overrides: PlanOverrides = {}): RoutePlan {
  return {
    rule: 'test',
    reason: 'test',
    targets: overrides.targets ?? [LOCAL, CLOUD],
    skipped: [],
    timeouts: { attemptMs: 10_000, firstTokenMs: 5_000, totalMs: 60_000, queueWaitMs: 1_000, ...overrides.timeouts },
    retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000, ...overrides.retry },
    mode: 'auto',
  };
}

function setup(deps: Partial<Omit<ExecutorDeps, 'registry'>> = {}) {
  const clock = createFakeClock(1_000);
  const local = createScriptedProvider({ name: 'ollama', kind: 'ollama', now: clock.now });
  const cloud = createScriptedProvider({ name: 'anthropic', kind: 'anthropic', now: clock.now });
  const openai = createScriptedProvider({ name: 'openai', kind: 'openai', now: clock.now });
  const providers = new Map<string, Provider>([
    [local.name, local],
    [cloud.name, cloud],
    [openai.name, openai],
  ]);
  const executor = createExecutor({ registry: providers, now: clock.now, sleep: clock.sleep, random: () => 0.5, ...deps });
  return { clock, local, cloud, openai, providers, executor };
}

/** Observes a promise at once (no unhandled rejection while the test moves the clock). */
function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await settle(promise);
  if (outcome.ok) throw new Error('expected a rejection');
  return outcome.error;
}

async function readAll(iterator: AsyncIterator<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for (let step = await iterator.next(); !step.done; step = await iterator.next()) parts.push(step.value);
  return parts;
}

function textOf(parts: StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const serverError = () => upstreamError('ollama', 'boom', { status: 500 });

describe('executor.generate', () => {
  it('answers from the first target with the target model and ollama options', async () => {
    const { executor, local, clock } = setup();
    local.script('qwen', { ok: 'hello' });
    const { result, target, attempts, fallbackReason } = await executor.generate(plan(), CALL, {});
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(target).toBe(LOCAL);
    expect(attempts).toEqual([{ ref: 'ollama/qwen', outcome: 'ok', latencyMs: 0, retry: 0 }]);
    expect(fallbackReason).toBeUndefined();
    expect(local.calls[0]?.call).toMatchObject({ model: 'qwen', ollama: { numCtx: 8192 } });
    expect(clock.pending()).toBe(0);
  });

  it('replaces the ollama options with the target’s (none for a cloud target)', async () => {
    const { executor, cloud } = setup();
    cloud.script('haiku', { ok: 'hi' });
    await executor.generate(plan({ targets: [CLOUD] }), { ...CALL, ollama: { numCtx: 1 } }, {});
    expect(cloud.calls[0]?.call.model).toBe('haiku');
    expect(cloud.calls[0]?.call.ollama).toBeUndefined();
  });

  it.each([
    ['500', upstreamError('ollama', 'boom', { status: 500 }), 'upstream_error', 500],
    ['502', upstreamError('ollama', 'bad gateway', { status: 502 }), 'upstream_error', 502],
    ['429', upstreamError('ollama', 'slow down', { status: 429 }), 'rate_limited', 429],
    ['408', upstreamError('ollama', 'timeout', { status: 408 }), 'upstream_timeout', 408],
    ['connection refused', upstreamError('ollama', 'ECONNREFUSED'), 'upstream_unreachable', undefined],
    ['bad response', upstreamError('ollama', 'not json', { status: 200, code: 'upstream_bad_response' }), 'upstream_bad_response', 200],
  ])('falls back to the next target on %s', async (_name, error, code, status) => {
    const { executor, local, cloud } = setup();
    local.script('qwen', { error });
    cloud.script('haiku', { ok: 'from cloud' });
    const report = await executor.generate(plan(), CALL, {});
    expect(report.target).toBe(CLOUD);
    expect(report.fallbackReason).toBe(code);
    expect(report.attempts).toEqual([
      { ref: 'ollama/qwen', outcome: 'error', code, ...(status !== undefined ? { status } : {}), reason: error.message, latencyMs: 0, retry: 0 },
      { ref: 'anthropic/haiku', outcome: 'ok', latencyMs: 0, retry: 0 },
    ]);
  });

  it.each([
    ['an upstream 400', upstreamError('ollama', 'bad field', { status: 400 }), 400, 'invalid_request'],
    ['our own validation', new InvalidRequestError('messages must not be empty', { param: 'messages' }), 400, 'invalid_request'],
    ['payload too large', new PayloadTooLargeError(1000), 413, 'payload_too_large'],
  ])('does not fall back on %s: every target would refuse it', async (_name, error, status, code) => {
    const { executor, local, cloud } = setup();
    local.script('qwen', { error });
    const thrown = await expectRejection(executor.generate(plan({ retry: { maxRetries: 3 } }), CALL, {}));
    expect(thrown).toBeInstanceOf(ExecutionError);
    expect(thrown).toMatchObject({ status, code, message: error.message, attempts: [{ outcome: 'error', code }] });
    expect(local.calls).toHaveLength(1);
    expect(cloud.calls).toHaveLength(0);
  });

  it.each([
    ['503 queue full', upstreamError('ollama', 'server busy', { status: 503 }), 'upstream_overloaded'],
    ['404 model not found', upstreamError('ollama', 'model "qwen" not found', { status: 404 }), 'model_not_found'],
    ['connection refused (not running)', upstreamError('ollama', 'connect ECONNREFUSED 127.0.0.1:11434'), 'upstream_unreachable'],
  ])('moves from Ollama to the next target at once on %s (no retry)', async (_name, error, code) => {
    const { executor, local, cloud, clock } = setup();
    local.script('qwen', { error });
    cloud.script('haiku', { ok: 'cloud' });
    const report = await executor.generate(plan({ retry: { maxRetries: 3 } }), CALL, {});
    expect(report.target).toBe(CLOUD);
    expect(report.fallbackReason).toBe(code);
    expect(local.calls).toHaveLength(1);
    expect(clock.now()).toBe(1_000);
  });

  it.each([
    ['401 (our key is wrong)', 401, 'authentication_failed'],
    ['403', 403, 'permission_denied'],
    ['404 model not found', 404, 'model_not_found'],
  ])('falls back from a misconfigured cloud target on %s', async (_name, status, code) => {
    const { executor, openai, cloud } = setup();
    openai.script('gpt', { error: upstreamError('openai', 'nope', { status }) });
    cloud.script('haiku', { ok: 'cloud' });
    const report = await executor.generate(plan({ targets: [{ ref: 'openai/gpt', provider: 'openai', modelId: 'gpt', local: false }, CLOUD], retry: { maxRetries: 2 } }), CALL, {});
    expect(report.target).toBe(CLOUD);
    expect(report.fallbackReason).toBe(code);
    expect(openai.calls).toHaveLength(1);
  });

  it('falls back when a target’s provider is not configured', async () => {
    const { executor, cloud } = setup();
    cloud.script('haiku', { ok: 'cloud' });
    const report = await executor.generate(plan({ targets: [{ ...LOCAL, provider: 'gone', ref: 'gone/qwen' }, CLOUD] }), CALL, {});
    expect(report.attempts[0]).toMatchObject({ ref: 'gone/qwen', outcome: 'error', code: 'model_not_found' });
    expect(report.target).toBe(CLOUD);
  });

  it('honours retry-after on the same target', async () => {
    const { executor, openai, clock } = setup();
    openai.script('gpt', { error: upstreamError('openai', 'slow down', { status: 429, retryAfterSeconds: 2 }) }, { ok: 'second time' });
    const pending = settle(executor.generate(plan({ targets: [{ ref: 'openai/gpt', provider: 'openai', modelId: 'gpt', local: false }], retry: { maxRetries: 2 } }), CALL, {}));
    await clock.advance(1_999);
    expect(openai.calls).toHaveLength(1);
    await clock.advance(1);
    const outcome = await pending;
    expect(outcome.ok).toBe(true);
    expect(clock.sleeps).toContain(2_000);
    expect(openai.calls.map((call) => call.at)).toEqual([1_000, 3_000]);
    if (outcome.ok) expect(outcome.value.attempts.map((attempt) => [attempt.outcome, attempt.retry])).toEqual([['error', 0], ['ok', 1]]);
  });

  it('moves on instead of waiting out a retry-after above the cap', async () => {
    const { executor, openai, cloud, clock } = setup();
    openai.script('gpt', { error: upstreamError('openai', 'slow down', { status: 429, retryAfterSeconds: 30 }) });
    cloud.script('haiku', { ok: 'cloud' });
    const report = await executor.generate(plan({ targets: [{ ref: 'openai/gpt', provider: 'openai', modelId: 'gpt', local: false }, CLOUD], retry: { maxRetries: 2 } }), CALL, {});
    expect(report.target).toBe(CLOUD);
    expect(openai.calls).toHaveLength(1);
    expect(clock.now()).toBe(1_000);
    expect(clock.sleeps).not.toContain(30_000);
  });

  it('backs off exponentially with jitter between retries', async () => {
    const randoms = [0.9999, 0.5, 0.25];
    const { executor, local, clock } = setup({ random: () => randoms.shift() ?? 0 });
    const failing: ScriptStep = { error: serverError() };
    // A plain 500 on a local target is retried like any other (only Ollama's 503 queue-full skips retries).
    local.script('qwen', failing, failing, failing, { ok: 'finally' });
    const pending = settle(executor.generate(plan({ targets: [LOCAL], retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000 } }), CALL, {}));
    await clock.advance(5_000);
    expect((await pending).ok).toBe(true);
    // ceilings 100, 200, 400 × random 0.9999, 0.5, 0.25
    expect(local.calls.map((call) => call.at - 1_000)).toEqual([0, 99, 99 + 100, 99 + 100 + 100]);
  });

  it('does not retry past the total deadline', async () => {
    const { executor, local, cloud, clock } = setup({ random: () => 0.9999 });
    local.script('qwen', { error: serverError() }, { error: serverError() }, { error: serverError() });
    cloud.script('haiku', { ok: 'cloud' });
    // Backoffs 399 then 799: the second would end after the 1000 ms deadline, so the cloud answers instead.
    const pending = settle(executor.generate(plan({ timeouts: { totalMs: 1_000 }, retry: { maxRetries: 5, baseDelayMs: 400, maxDelayMs: 10_000 } }), CALL, {}));
    await clock.advance(400);
    const outcome = await pending;
    expect(outcome.ok && outcome.value.target).toBe(CLOUD);
    expect(local.calls).toHaveLength(2);
    expect(cloud.calls.map((call) => call.at)).toEqual([1_399]);
  });

  it('stops at the total deadline: the attempt fails with upstream_timeout and later targets are skipped', async () => {
    const { executor, local, cloud, clock } = setup();
    local.script('qwen', { hang: true });
    const pending = settle(executor.generate(plan({ timeouts: { totalMs: 3_000 } }), CALL, {}));
    await clock.advance(3_000);
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect((outcome.error as ExecutionError).attempts).toEqual([
      { ref: 'ollama/qwen', outcome: 'error', code: 'upstream_timeout', reason: 'deadline', latencyMs: 3_000, retry: 0 },
      { ref: 'anthropic/haiku', outcome: 'skipped', reason: 'deadline', latencyMs: 0, retry: 0 },
    ]);
    expect(cloud.calls).toHaveLength(0);
    expect(clock.pending()).toBe(0);
  });

  it('falls back when an attempt times out', async () => {
    const { executor, local, cloud, clock } = setup();
    local.script('qwen', { hang: true });
    cloud.script('haiku', { ok: 'cloud' });
    const pending = settle(executor.generate(plan({ timeouts: { attemptMs: 2_000 } }), CALL, {}));
    await clock.advance(2_000);
    const outcome = await pending;
    expect(outcome.ok && outcome.value.target).toBe(CLOUD);
    expect(outcome.ok && outcome.value.fallbackReason).toBe('upstream_timeout');
    expect(outcome.ok && outcome.value.attempts[0]).toMatchObject({ outcome: 'error', code: 'upstream_timeout', latencyMs: 2_000 });
  });

  it('times out a provider that ignores its abort signal', async () => {
    const { executor, providers, cloud, clock } = setup();
    const deaf: ChatModel = { provider: 'ollama', modelId: 'qwen', generate: () => new Promise(() => {}), stream: () => new Promise(() => {}) };
    providers.set('ollama', { ...createScriptedProvider({ name: 'ollama', kind: 'ollama' }), chatModel: () => deaf });
    cloud.script('haiku', { ok: 'cloud' }, { ok: 'cloud' });
    const generated = settle(executor.generate(plan({ timeouts: { attemptMs: 2_000 } }), CALL, {}));
    const streamed = settle(executor.stream(plan({ timeouts: { attemptMs: 2_000 } }), CALL, {}));
    await clock.advance(2_000);
    expect((await generated).ok).toBe(true);
    expect((await streamed).ok).toBe(true);
  });

  it('stops at once on the caller’s abort: the abort is rethrown, no other target, breaker and slot untouched', async () => {
    const { executor, local, cloud, clock } = setup({ breaker: { failureThreshold: 1, cooldownMs: 1_000 }, capacity: { ollama: { maxInFlight: 1, maxQueue: 0 } } });
    local.script('qwen', { hang: true });
    const controller = new AbortController();
    const pending = settle(executor.generate(plan(), CALL, { signal: controller.signal }));
    await clock.flush();
    expect(executor.state().capacity['ollama']?.inFlight).toBe(1);
    const reason = new ClientAbortError();
    controller.abort(reason);
    const outcome = await pending;
    expect(outcome.ok ? undefined : outcome.error).toBe(reason);
    expect(cloud.calls).toHaveLength(0);
    expect(executor.state()).toEqual({ breakers: { 'ollama/qwen': 'closed' }, capacity: { ollama: { inFlight: 0, queued: 0, limit: 1, queueLimit: 0 } } });
    expect(clock.pending()).toBe(0);
  });

  it('rethrows an abort that happened before the call', async () => {
    const { executor, local } = setup();
    const controller = new AbortController();
    const reason = new ClientAbortError();
    controller.abort(reason);
    expect(await expectRejection(executor.generate(plan(), CALL, { signal: controller.signal }))).toBe(reason);
    expect(local.calls).toHaveLength(0);
  });

  it('reports the last real error when every target failed', async () => {
    const { executor, local, cloud } = setup();
    local.script('qwen', { error: upstreamError('ollama', 'busy', { status: 503 }) });
    cloud.script('haiku', { error: upstreamError('anthropic', 'overloaded', { status: 529 }) });
    const error = await expectRejection(executor.generate(plan(), CALL, {}));
    expect(error).toBeInstanceOf(ExecutionError);
    expect(error).toMatchObject({ status: 503, code: 'upstream_overloaded', message: 'overloaded' });
    expect((error as ExecutionError).attempts.map((attempt) => [attempt.ref, attempt.outcome, attempt.status])).toEqual([
      ['ollama/qwen', 'error', 503],
      ['anthropic/haiku', 'error', 529],
    ]);
  });

  it('answers no_route 503 when every target was skipped', async () => {
    const { executor } = setup({ capacity: { ollama: { maxInFlight: 0, maxQueue: 0 } } });
    const error = await expectRejection(executor.generate(plan({ targets: [LOCAL] }), CALL, {}));
    expect(error).toMatchObject({ status: 503, code: 'no_route', attempts: [{ outcome: 'skipped', reason: 'capacity-full' }] });
  });
});

describe('circuit breaker', () => {
  const failTwice = async (setupResult: ReturnType<typeof setup>) => {
    const { executor, local, cloud } = setupResult;
    local.script('qwen', { error: serverError() }, { error: serverError() });
    cloud.script('haiku', { ok: 'c' }, { ok: 'c' });
    await executor.generate(plan(), CALL, {});
    await executor.generate(plan(), CALL, {});
  };

  it('opens after N consecutive failures and skips the target with ~0 latency', async () => {
    const s = setup({ breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    await failTwice(s);
    expect(s.executor.state().breakers['ollama/qwen']).toBe('open');
    s.cloud.script('haiku', { ok: 'c' });
    const report = await s.executor.generate(plan(), CALL, {});
    expect(report.attempts[0]).toEqual({ ref: 'ollama/qwen', outcome: 'skipped', reason: 'breaker-open', latencyMs: 0, retry: 0 });
    expect(report.fallbackReason).toBe('breaker-open');
    expect(s.local.calls).toHaveLength(2);
  });

  it('does not count request errors or aborts', async () => {
    const s = setup({ breaker: { failureThreshold: 1, cooldownMs: 10_000 } });
    s.local.script('qwen', { error: upstreamError('ollama', 'bad', { status: 400 }) });
    await expectRejection(s.executor.generate(plan(), CALL, {}));
    expect(s.executor.state().breakers['ollama/qwen']).toBe('closed');
  });

  it('half-open: lets exactly one probe through; its success closes the breaker', async () => {
    const s = setup({ breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    await failTwice(s);
    await s.clock.advance(10_000);
    expect(s.executor.state().breakers['ollama/qwen']).toBe('half-open');
    const probe = gate();
    s.local.script('qwen', { ok: 'probe ok', until: probe.promise });
    s.cloud.script('haiku', { ok: 'c' });
    const first = settle(s.executor.generate(plan(), CALL, {}));
    const second = await s.executor.generate(plan(), CALL, {});
    expect(second.attempts[0]).toMatchObject({ outcome: 'skipped', reason: 'breaker-open' });
    probe.open();
    const firstOutcome = await first;
    expect(firstOutcome.ok && firstOutcome.value.target).toBe(LOCAL);
    expect(s.executor.state().breakers['ollama/qwen']).toBe('closed');
  });

  it('half-open: a failed probe reopens it for another cooldown', async () => {
    const s = setup({ breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    await failTwice(s);
    await s.clock.advance(10_000);
    s.local.script('qwen', { error: serverError() });
    s.cloud.script('haiku', { ok: 'c' }, { ok: 'c' });
    await s.executor.generate(plan(), CALL, {});
    expect(s.executor.state().breakers['ollama/qwen']).toBe('open');
    await s.clock.advance(9_999);
    const report = await s.executor.generate(plan(), CALL, {});
    expect(report.attempts[0]).toMatchObject({ outcome: 'skipped', reason: 'breaker-open' });
    await s.clock.advance(1);
    expect(s.executor.state().breakers['ollama/qwen']).toBe('half-open');
  });

  it('counts timeouts as failures', async () => {
    const s = setup({ breaker: { failureThreshold: 1, cooldownMs: 10_000 } });
    s.local.script('qwen', { hang: true });
    s.cloud.script('haiku', { ok: 'c' });
    const pending = settle(s.executor.generate(plan({ timeouts: { attemptMs: 100 } }), CALL, {}));
    await s.clock.advance(100);
    await pending;
    expect(s.executor.state().breakers['ollama/qwen']).toBe('open');
  });
});

describe('capacity', () => {
  const capacity = { ollama: { maxInFlight: 1, maxQueue: 1 } };

  it('holds the limit, queues up to the queue limit, overflows to the next target', async () => {
    const { executor, local, cloud, clock } = setup({ capacity });
    const hold = gate();
    local.script('qwen', { ok: 'a', until: hold.promise }, { ok: 'b' });
    cloud.script('haiku', { ok: 'c' });
    const a = settle(executor.generate(plan(), CALL, {}));
    const b = settle(executor.generate(plan(), CALL, {}));
    await clock.flush();
    expect(executor.state().capacity['ollama']).toEqual({ inFlight: 1, queued: 1, limit: 1, queueLimit: 1 });
    const c = await executor.generate(plan(), CALL, {});
    expect(c.target).toBe(CLOUD);
    expect(c.attempts[0]).toEqual({ ref: 'ollama/qwen', outcome: 'skipped', reason: 'capacity-full', latencyMs: 0, retry: 0 });
    expect(c.fallbackReason).toBe('capacity-full');
    hold.open();
    const [aDone, bDone] = await Promise.all([a, b]);
    expect(aDone.ok && aDone.value.result.content).toEqual([{ type: 'text', text: 'a' }]);
    expect(bDone.ok && bDone.value.result.content).toEqual([{ type: 'text', text: 'b' }]);
    expect(executor.state().capacity['ollama']).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('overflows to the next target when the queue wait expires', async () => {
    const { executor, local, cloud, clock } = setup({ capacity });
    const hold = gate();
    local.script('qwen', { ok: 'a', until: hold.promise });
    cloud.script('haiku', { ok: 'c' });
    const a = settle(executor.generate(plan(), CALL, {}));
    const b = settle(executor.generate(plan(), CALL, {}));
    await clock.advance(1_000);
    const bDone = await b;
    expect(bDone.ok && bDone.value.target).toBe(CLOUD);
    expect(bDone.ok && bDone.value.attempts[0]).toEqual({ ref: 'ollama/qwen', outcome: 'skipped', reason: 'queue-timeout', latencyMs: 1_000, retry: 0 });
    hold.open();
    await a;
    expect(executor.state().capacity['ollama']).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('releases the slot when a call fails', async () => {
    const { executor, local, cloud } = setup({ capacity });
    local.script('qwen', { error: serverError() });
    cloud.script('haiku', { ok: 'c' });
    await executor.generate(plan(), CALL, {});
    expect(executor.state().capacity['ollama']).toMatchObject({ inFlight: 0, queued: 0 });
  });
});

describe('executor.stream', () => {
  const capacity = { ollama: { maxInFlight: 2, maxQueue: 0 } };

  it('resolves at the first content part with head and rest', async () => {
    const { executor, local, clock } = setup({ capacity });
    local.script('qwen', { streamParts: [START, { type: 'text-delta', delta: 'he' }, { type: 'text-delta', delta: 'llo' }, FINISH] });
    const { head, rest, target, attempts } = await executor.stream(plan(), CALL, {});
    expect(target).toBe(LOCAL);
    expect(head).toEqual([START, { type: 'text-delta', delta: 'he' }]);
    expect(attempts).toEqual([{ ref: 'ollama/qwen', outcome: 'ok', latencyMs: 0, retry: 0 }]);
    expect(executor.state().capacity['ollama']?.inFlight).toBe(1);
    const tail = await readAll(rest);
    expect(textOf(tail)).toBe('llo');
    expect(tail.at(-1)).toEqual(FINISH);
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
    expect(clock.pending()).toBe(0);
    expect(local.openStreams()).toBe(0);
  });

  it('settles at once when the head already holds finish (an empty answer)', async () => {
    const { executor, local, clock } = setup({ capacity, breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    local.script('qwen', { streamParts: [START, FINISH] });
    const { head, rest } = await executor.stream(plan(), CALL, {});
    expect(head).toEqual([START, FINISH]);
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
    expect(await readAll(rest)).toEqual([]);
    expect(executor.state().breakers['ollama/qwen']).toBe('closed');
    expect(clock.pending()).toBe(0);
  });

  it.each<[string, ScriptStep]>([
    ['stream() rejects', { error: upstreamError('ollama', 'down') }],
    ['an error part before content', { streamErrorAfter: 0 }],
    ['the stream ends before content', { streamParts: [START] }],
  ])('falls back before the first content part when %s', async (_name, step) => {
    const { executor, local, cloud } = setup({ capacity });
    local.script('qwen', step);
    cloud.script('haiku', { ok: 'cloud' });
    const { head, rest, target, attempts } = await executor.stream(plan(), CALL, {});
    expect(target).toBe(CLOUD);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['error', 'ok']);
    expect(textOf([...head, ...(await readAll(rest))])).toBe('cloud');
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
    expect(local.openStreams()).toBe(0);
  });

  it('does not fall back after content: a later error part is passed through in rest', async () => {
    const { executor, local, cloud } = setup({ capacity, breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    local.script('qwen', { streamErrorAfter: 2 });
    const { head, rest, target } = await executor.stream(plan(), CALL, {});
    expect(target).toBe(LOCAL);
    expect(head).toHaveLength(2);
    const tail = await readAll(rest);
    expect(tail.map((part) => part.type)).toEqual(['text-delta', 'error']);
    expect(cloud.calls).toHaveLength(0);
    expect(executor.state()).toMatchObject({ breakers: { 'ollama/qwen': 'open' }, capacity: { ollama: { inFlight: 0 } } });
  });

  it('falls back when the first token does not come in time', async () => {
    const { executor, local, cloud, clock } = setup({ capacity });
    local.script('qwen', { streamParts: [START], then: 'hang' });
    cloud.script('haiku', { ok: 'cloud' });
    const pending = settle(executor.stream(plan({ timeouts: { firstTokenMs: 3_000 } }), CALL, {}));
    await clock.advance(2_999);
    expect(cloud.calls).toHaveLength(0);
    await clock.advance(1);
    const outcome = await pending;
    expect(outcome.ok && outcome.value.target).toBe(CLOUD);
    expect(outcome.ok && outcome.value.attempts[0]).toMatchObject({ code: 'upstream_timeout', latencyMs: 3_000 });
    expect(local.openStreams()).toBe(0);
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
  });

  it('falls back when the upstream does not accept the stream within the attempt timeout', async () => {
    const { executor, local, cloud, clock } = setup();
    local.script('qwen', { hang: true });
    cloud.script('haiku', { ok: 'cloud' });
    const pending = settle(executor.stream(plan({ timeouts: { attemptMs: 1_000, firstTokenMs: 5_000 } }), CALL, {}));
    await clock.advance(1_000);
    const outcome = await pending;
    expect(outcome.ok && outcome.value.target).toBe(CLOUD);
    expect(outcome.ok && outcome.value.attempts[0]?.reason).toMatch(/within 1000 ms/);
  });

  it('releases the slot and closes the upstream when the consumer calls return()', async () => {
    const { executor, local, clock } = setup({ capacity, breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    local.script('qwen', { streamParts: [START, { type: 'text-delta', delta: 'a' }], then: 'hang' });
    const { rest } = await executor.stream(plan(), CALL, {});
    expect(executor.state().capacity['ollama']?.inFlight).toBe(1);
    await rest.return?.();
    expect(executor.state()).toMatchObject({ breakers: { 'ollama/qwen': 'closed' }, capacity: { ollama: { inFlight: 0 } } });
    expect(local.openStreams()).toBe(0);
    expect(clock.pending()).toBe(0);
    expect(await rest.next()).toEqual({ done: true, value: undefined });
  });

  it('releases the slot when the caller aborts mid-stream, and rethrows the abort', async () => {
    const { executor, local, clock } = setup({ capacity, breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    local.script('qwen', { streamParts: [START, { type: 'text-delta', delta: 'a' }], then: 'hang' });
    const controller = new AbortController();
    const { rest } = await executor.stream(plan(), CALL, { signal: controller.signal });
    const next = settle(rest.next());
    const reason = new ClientAbortError();
    controller.abort(reason);
    // Released by the abort itself, before the consumer reads again.
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
    const outcome = await next;
    expect(outcome.ok ? undefined : outcome.error).toBe(reason);
    expect(executor.state().breakers['ollama/qwen']).toBe('closed');
    expect(local.openStreams()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('turns the total deadline mid-stream into an in-band upstream_timeout error part', async () => {
    const { executor, local, clock } = setup({ capacity });
    local.script('qwen', { streamParts: [START, { type: 'text-delta', delta: 'a' }], then: 'hang' });
    const { rest } = await executor.stream(plan({ timeouts: { totalMs: 5_000 } }), CALL, {});
    const next = settle(rest.next());
    await clock.advance(5_000);
    const outcome = await next;
    expect(outcome.ok && outcome.value).toMatchObject({ done: false, value: { type: 'error', error: { code: 'upstream_timeout' } } });
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
  });

  it('aborts during the head: no fallback, slot released', async () => {
    const { executor, local, cloud } = setup({ capacity });
    local.script('qwen', { streamParts: [START], then: 'hang' });
    const controller = new AbortController();
    const pending = settle(executor.stream(plan(), CALL, { signal: controller.signal }));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new ClientAbortError());
    const outcome = await pending;
    expect(outcome.ok ? undefined : outcome.error).toBeInstanceOf(ClientAbortError);
    expect(cloud.calls).toHaveLength(0);
    expect(executor.state().capacity['ollama']?.inFlight).toBe(0);
    expect(local.openStreams()).toBe(0);
  });

  it('records a stream’s breaker verdict when it ends: a half-open probe closes on finish', async () => {
    const s = setup({ breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    s.local.script('qwen', { error: serverError() }, { ok: 'probe' });
    s.cloud.script('haiku', { ok: 'c' }, { ok: 'c' });
    await readAll((await s.executor.stream(plan(), CALL, {})).rest);
    await s.clock.advance(1_000);
    const probe = await s.executor.stream(plan(), CALL, {});
    expect(probe.target).toBe(LOCAL);
    const skipped = await s.executor.stream(plan(), CALL, {});
    expect(skipped.attempts[0]).toMatchObject({ reason: 'breaker-open' });
    await readAll(skipped.rest);
    expect(s.executor.state().breakers['ollama/qwen']).toBe('half-open');
    await readAll(probe.rest);
    expect(s.executor.state().breakers['ollama/qwen']).toBe('closed');
  });
});
