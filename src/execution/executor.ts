import { setTimeout as delay } from 'node:timers/promises';
import {
  GatewayError,
  ModelNotFoundError,
  toGatewayError,
  forwardAbort,
  Trigger,
  type AbortLike,
  type ChatCall,
  type ChatModel,
  type ChatResult,
  type ChatStream,
  type ErrorCode,
  type Provider,
  type RoutePlan,
  type RouteTarget,
  type StreamPart,
} from '../core/index.js';
import { abortReason } from '../providers/shared/index.js';
import { retryDelay } from './backoff.js';
import { CapacityLimiter, type Sleep } from './capacity-limiter.js';
import { CircuitBreaker, type BreakerPass, type BreakerState, type BreakerVerdict } from './circuit-breaker.js';

/** One try of one target, or the decision not to try it. The ledger stores these as they are. */
/**
 * Per-request context for the executor. The caller's signal may be a light Trigger: the executor
 * only listens to it; every upstream call gets its own real AbortSignal.
 */
export interface ExecutionOptions {
  readonly signal?: AbortLike;
  readonly requestId?: string;
}

export interface Attempt {
  /** `provider/model`. */
  readonly ref: string;
  readonly outcome: 'ok' | 'error' | 'skipped';
  /** Our stable code, on error. */
  readonly code?: ErrorCode;
  /** The upstream's HTTP status, when there was a response. */
  readonly status?: number;
  /** On skip: `breaker-open`, `capacity-full`, `queue-timeout` or `deadline`; on error: `deadline` or the error message. */
  readonly reason?: string;
  /** Time spent on this attempt (for a stream: until it was handed to the caller); a queue wait counts. */
  readonly latencyMs: number;
  /** 0 for the first try on this target. */
  readonly retry: number;
}

export interface ExecutionReport {
  /** The target that answered. */
  readonly target: RouteTarget;
  readonly attempts: readonly Attempt[];
  /** Why the first target did not answer, when another did: a skip reason or an error code. */
  readonly fallbackReason?: string;
}

/**
 * No target answered. Carries the status, code and message of the last real error (so a client
 * sees the 503 or 504 that actually happened), or `no_route` 503 when every target was skipped.
 */
export class ExecutionError extends GatewayError {
  readonly attempts: readonly Attempt[];

  constructor(attempts: readonly Attempt[], lastError: GatewayError | undefined) {
    if (lastError) {
      super(lastError.status, lastError.code, lastError.message, lastError.isRetryable, {
        cause: lastError,
        ...(lastError.param !== undefined ? { param: lastError.param } : {}),
        ...(lastError.retryAfterSeconds !== undefined ? { retryAfterSeconds: lastError.retryAfterSeconds } : {}),
      });
    } else {
      const why = attempts.map((attempt) => `${attempt.ref}: ${attempt.reason ?? attempt.outcome}`).join('; ');
      super(503, 'no_route', attempts.length === 0 ? 'The route has no targets.' : `No target could take the request (${why}).`, false);
    }
    this.attempts = attempts;
  }
}

export type StreamExecution = { head: StreamPart[]; rest: AsyncIterator<StreamPart> } & ExecutionReport;

export interface ExecutorState {
  readonly breakers: Record<string, BreakerState>;
  readonly capacity: Record<string, { inFlight: number; queued: number; limit: number; queueLimit: number }>;
}

export interface Executor {
  generate(plan: RoutePlan, call: ChatCall, options: ExecutionOptions): Promise<{ result: ChatResult } & ExecutionReport>;
  /**
   * Resolves once a target's stream has produced its first content part (text/tool/reasoning delta,
   * or finish): until then failures fall back to the next target. `head` = the parts read so far
   * (stream-start first), `rest` = the remaining parts. After this resolves, failures are in-band
   * `error` parts (no fallback). The consumer must read `rest` to its end or call `return()`.
   */
  stream(plan: RoutePlan, call: ChatCall, options: ExecutionOptions): Promise<StreamExecution>;
  /** Live state for /api/status and tests. */
  state(): ExecutorState;
}

export interface ExecutorDeps {
  /** ProviderRegistry satisfies it. */
  readonly registry: { get(name: string): Provider | undefined };
  /** In-flight limits per provider name (local hosts); a provider not named is unlimited. */
  readonly capacity?: Record<string, { maxInFlight: number; maxQueue: number }>;
  readonly breaker?: { failureThreshold: number; cooldownMs: number };
  readonly now?: () => number;
  readonly random?: () => number;
  /** Every timer (timeouts, deadline, backoff, queue wait) goes through it, so tests drive time. */
  readonly sleep?: Sleep;
}

const DEFAULT_BREAKER = { failureThreshold: 5, cooldownMs: 30_000 };

const realSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

/** Errors the request itself caused: every target would refuse it the same way, so no fallback. */
const REQUEST_FAULTS: ReadonlySet<ErrorCode> = new Set(['invalid_request', 'invalid_json', 'payload_too_large', 'unsupported_media_type']);

/** Errors that say the target is unhealthy. Everything else (aborts, 4xx, our own bugs) leaves its breaker alone. */
const TARGET_FAULTS: ReadonlySet<ErrorCode> = new Set([
  'rate_limited',
  'upstream_error',
  'upstream_overloaded',
  'upstream_timeout',
  'upstream_unreachable',
  'upstream_bad_response',
]);

function verdictFor(error: GatewayError): BreakerVerdict {
  return TARGET_FAULTS.has(error.code) ? 'failure' : 'neutral';
}

/** A stream that has not produced anything yet is still fallback territory; this part ends it. */
function isContentPart(part: StreamPart): boolean {
  return part.type !== 'stream-start' && part.type !== 'error';
}

/** What one admitted attempt holds: a breaker pass and maybe a capacity slot. Settled exactly once. */
class Lease {
  private settled = false;

  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly pass: BreakerPass,
    private readonly limiter: CapacityLimiter | undefined,
  ) {}

  settle(verdict: BreakerVerdict): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.record(this.pass, verdict);
    this.limiter?.release();
  }
}

/** A pending timeout; `abort()` cancels it. */
interface Timer {
  abort(): void;
}

/** Calls `fire` after `ms` unless the returned timer is aborted first. */
function startTimer(sleep: Sleep, ms: number, fire: () => void): Timer {
  if (sleep === realSleep) {
    // Production: a plain timer. Cancelling a timers/promises sleep rejects with a DOMException
    // AbortError (a stack trace per request): it cost 10% of the gateway's CPU under load.
    const handle = setTimeout(fire, ms);
    return { abort: () => clearTimeout(handle) };
  }
  const cancel = new AbortController();
  sleep(ms, cancel.signal).then(() => {
    if (!cancel.signal.aborted) fire();
  }, noop);
  return cancel;
}

function noop(): void {}



/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts: a provider
 * that ignores its signal must not hold the caller past a timeout. A value that arrives after
 * the abort goes to `onLate` (to close a stream nobody will read).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortLike, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then(onLate ?? noop, noop);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(abortReason(signal));
      promise.then(onLate ?? noop, noop);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function closeStream(stream: ChatStream): void {
  stream[Symbol.asyncIterator]().return?.().catch(noop);
}

function timeoutError(message: string): GatewayError {
  return new GatewayError(504, 'upstream_timeout', message, true);
}

function upstreamStatus(error: GatewayError): number | undefined {
  return 'upstreamStatus' in error && typeof error.upstreamStatus === 'number' ? error.upstreamStatus : undefined;
}

/** What an attempt runner gets: the target's model and call, a signal that covers caller, deadline and attempt timers. */
interface AttemptContext {
  readonly model: ChatModel;
  readonly call: ChatCall;
  readonly target: RouteTarget;
  readonly signal: AbortLike;
  /** Aborted by the runner's timers (reason: a timeout GatewayError), the caller or the deadline; aborting it aborts `signal`. */
  readonly attemptAbort: Trigger;
  readonly lease: Lease;
  readonly run: PlanRun;
}

/** Runs one attempt. Settles the lease on success unless it hands it to a stream; on throw the loop settles it. */
type AttemptRunner<T> = (context: AttemptContext) => Promise<T>;

/** The state of executing one plan: attempts so far, the deadline, the signals. */
class PlanRun {
  readonly attempts: Attempt[] = [];
  readonly deadlineAt: number;
  /** Aborted (reason: an upstream_timeout GatewayError) when the total deadline passes. */
  readonly deadline = new Trigger();
  /** Caller's signal + deadline: everything this request does listens to it. */
  readonly signal: Trigger;
  readonly deadlineTimer: Timer;
  /** Set when a stream took over the deadline timer (it runs until the stream ends). */
  deadlineHandedOver = false;
  private lastError: GatewayError | undefined;
  private firstTargetFailure: string | undefined;

  constructor(
    private readonly executor: ExecutorCore,
    readonly plan: RoutePlan,
    private readonly call: ChatCall,
    readonly options: ExecutionOptions,
  ) {
    const { now, sleep } = executor;
    this.deadlineAt = now() + plan.timeouts.totalMs;
    this.deadlineTimer = startTimer(sleep, plan.timeouts.totalMs, () =>
      this.deadline.abort(timeoutError(`The request did not complete within its deadline of ${plan.timeouts.totalMs} ms.`)),
    );
    if (options.signal) {
      this.signal = new Trigger();
      forwardAbort(options.signal, this.signal);
      forwardAbort(this.deadline, this.signal);
    } else {
      this.signal = this.deadline;
    }
  }

  get callerAborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  async execute<T>(runner: AttemptRunner<T>): Promise<{ value: T } & ExecutionReport> {
    try {
      if (this.options.signal?.aborted) throw abortReason(this.options.signal);
      const targets = this.plan.targets;
      for (let index = 0; index < targets.length; index++) {
        const target = targets[index] as RouteTarget;
        if (this.deadline.signal.aborted) {
          this.skip(target, 'deadline', 0, 0);
          continue;
        }
        const value = await this.tryTarget(target, runner);
        if (value !== undefined) {
          return {
            value: value.value,
            target,
            attempts: this.attempts,
            ...(index > 0 && this.firstTargetFailure !== undefined ? { fallbackReason: this.firstTargetFailure } : {}),
          };
        }
        if (index === 0) this.firstTargetFailure = this.lastFailureReason();
      }
      throw new ExecutionError(this.attempts, this.lastError);
    } finally {
      if (!this.deadlineHandedOver) this.deadlineTimer.abort();
    }
  }

  /** Tries one target with retries. Undefined = move on; throws for a caller abort or a request fault. */
  private async tryTarget<T>(target: RouteTarget, runner: AttemptRunner<T>): Promise<{ value: T } | undefined> {
    const { now, random, sleep } = this.executor;
    const provider = this.executor.registry.get(target.provider);
    if (!provider) {
      // Routing only names configured providers; if one is missing the target is misconfigured, not the request.
      this.fail(target, new ModelNotFoundError(target.ref, `The provider '${target.provider}' is not configured.`), 0, 0);
      return undefined;
    }
    const model = provider.chatModel(target.modelId);
    // New properties go before the spread, never after: on Node 20 a property added after a spread
    // costs ~0.5 µs and leaves an object every later read of it pays for (2 µs per call measured in
    // the OpenAI request builder). A client's call carries no `ollama`: only a target's alias adds it.
    const call: ChatCall =
      this.call.ollama !== undefined
        ? { ...this.call, model: target.modelId, ollama: target.ollama }
        : target.ollama === undefined
          ? { ...this.call, model: target.modelId }
          : { ollama: target.ollama, ...this.call, model: target.modelId };
    const breaker = this.executor.breakerFor(target.ref);
    const limiter = this.executor.limiters.get(target.provider);
    const retry = this.plan.retry;

    for (let attempt = 0; ; attempt++) {
      if (!breaker.allows()) {
        this.skip(target, 'breaker-open', 0, attempt);
        return undefined;
      }
      if (limiter && !limiter.tryAcquire()) {
        const queuedAt = now();
        let outcome;
        try {
          outcome = await limiter.acquire(this.plan.timeouts.queueWaitMs, this.signal.toAbortSignal());
        } catch (error) {
          if (this.callerAborted) throw abortReason(this.options.signal as AbortLike);
          if (this.deadline.signal.aborted) {
            this.skip(target, 'deadline', now() - queuedAt, attempt);
            return undefined;
          }
          throw error;
        }
        if (outcome !== 'acquired') {
          this.skip(target, outcome, now() - queuedAt, attempt);
          return undefined;
        }
      }
      const pass = breaker.acquire();
      if (pass === undefined) {
        // Another caller took the half-open probe while we queued.
        limiter?.release();
        this.skip(target, 'breaker-open', 0, attempt);
        return undefined;
      }

      const lease = new Lease(breaker, pass, limiter);
      // One light signal per attempt; the upstream request listens to it directly (no AbortController).
      const attemptAbort = new Trigger();
      forwardAbort(this.signal, attemptAbort);
      const signal = attemptAbort;
      const startedAt = now();
      let error: GatewayError;
      try {
        const value = await runner({ model, call, target, signal, attemptAbort, lease, run: this });
        this.attempts.push({ ref: target.ref, outcome: 'ok', latencyMs: now() - startedAt, retry: attempt });
        return { value };
      } catch (thrown) {
        if (this.callerAborted) {
          // The client left: not the target's fault, and nobody wants another target's answer.
          lease.settle('neutral');
          throw abortReason(this.options.signal as AbortLike);
        }
        if (this.deadline.signal.aborted) {
          // The deadline may have been eaten by earlier targets: neutral for this one's breaker.
          lease.settle('neutral');
          this.fail(target, this.deadline.signal.reason instanceof GatewayError ? this.deadline.signal.reason : timeoutError('deadline'), now() - startedAt, attempt, 'deadline');
          return undefined;
        }
        error = attemptAbort.signal.aborted && attemptAbort.signal.reason instanceof GatewayError ? attemptAbort.signal.reason : toGatewayError(thrown);
        lease.settle(verdictFor(error));
        this.fail(target, error, now() - startedAt, attempt);
      }

      if (REQUEST_FAULTS.has(error.code)) throw new ExecutionError(this.attempts, error);
      // A full local queue, a missing model or a local server that is not listening will not change in a
      // backoff: the next target answers sooner. (Local down must cost milliseconds, not a retry schedule.)
      const isLocal = provider.kind === 'ollama' || target.local;
      const retryable = error.isRetryable && !(isLocal && (error.code === 'upstream_overloaded' || error.code === 'upstream_unreachable'));
      if (!retryable || attempt >= retry.maxRetries) return undefined;
      const wait = retryDelay(error, attempt + 1, retry, random);
      if (wait === undefined || now() + wait >= this.deadlineAt) return undefined;
      if (wait > 0) {
        try {
          await sleep(wait, this.signal.toAbortSignal());
        } catch (sleepError) {
          if (this.callerAborted) throw abortReason(this.options.signal as AbortLike);
          if (this.deadline.signal.aborted) return undefined;
          throw sleepError;
        }
      }
    }
  }

  private skip(target: RouteTarget, reason: string, latencyMs: number, retry: number): void {
    this.attempts.push({ ref: target.ref, outcome: 'skipped', reason, latencyMs, retry });
  }

  private fail(target: RouteTarget, error: GatewayError, latencyMs: number, retry: number, reason = error.message): void {
    this.lastError = error;
    const status = upstreamStatus(error);
    this.attempts.push({ ref: target.ref, outcome: 'error', code: error.code, ...(status !== undefined ? { status } : {}), reason, latencyMs, retry });
  }

  private lastFailureReason(): string | undefined {
    const last = this.attempts[this.attempts.length - 1];
    if (!last) return undefined;
    return last.outcome === 'error' ? last.code : last.reason;
  }
}

/** The long-lived part: breakers and limiters shared by all requests. */
interface ExecutorCore {
  readonly registry: ExecutorDeps['registry'];
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: Sleep;
  readonly limiters: ReadonlyMap<string, CapacityLimiter>;
  breakerFor(ref: string): CircuitBreaker;
}

export function createExecutor(deps: ExecutorDeps): Executor {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const breakerOptions = { ...DEFAULT_BREAKER, ...deps.breaker, now };
  const breakers = new Map<string, CircuitBreaker>();
  const limiters = new Map<string, CapacityLimiter>();
  for (const [name, limits] of Object.entries(deps.capacity ?? {})) {
    limiters.set(name, new CapacityLimiter(limits.maxInFlight, limits.maxQueue, sleep));
  }
  const core: ExecutorCore = {
    registry: deps.registry,
    now,
    random: deps.random ?? Math.random,
    sleep,
    limiters,
    breakerFor(ref) {
      let breaker = breakers.get(ref);
      if (!breaker) {
        breaker = new CircuitBreaker(breakerOptions);
        breakers.set(ref, breaker);
      }
      return breaker;
    },
  };

  return {
    async generate(plan, call, options) {
      const run = new PlanRun(core, plan, call, options);
      const { value, ...report } = await run.execute(runGenerate);
      return { result: value, ...report };
    },

    async stream(plan, call, options) {
      const run = new PlanRun(core, plan, call, options);
      const { value, ...report } = await run.execute(runStream);
      return { head: value.head, rest: value.rest, ...report };
    },

    state() {
      const breakerStates: Record<string, BreakerState> = {};
      for (const [ref, breaker] of breakers) breakerStates[ref] = breaker.state;
      const capacity: ExecutorState['capacity'] = {};
      for (const [name, limiter] of limiters) {
        capacity[name] = { inFlight: limiter.inFlight, queued: limiter.queued, limit: limiter.limit, queueLimit: limiter.queueLimit };
      }
      return { breakers: breakerStates, capacity };
    },
  };

  async function runGenerate(context: AttemptContext): Promise<ChatResult> {
    const { model, call, signal, attemptAbort, lease, target, run } = context;
    const attemptMs = run.plan.timeouts.attemptMs;
    const timer = startTimer(sleep, attemptMs, () => attemptAbort.abort(timeoutError(`${target.ref} did not answer within ${attemptMs} ms.`)));
    try {
      const result = await untilAborted(model.generate(call, { signal, ...requestIdOf(run.options) }), attemptAbort);
      lease.settle('success');
      return result;
    } finally {
      timer.abort();
    }
  }

  async function runStream(context: AttemptContext): Promise<{ head: StreamPart[]; rest: AsyncIterator<StreamPart> }> {
    const { model, call, signal, attemptAbort, lease, target, run } = context;
    const { attemptMs, firstTokenMs } = run.plan.timeouts;
    const attemptTimer = startTimer(sleep, attemptMs, () => attemptAbort.abort(timeoutError(`${target.ref} did not accept the stream within ${attemptMs} ms.`)));
    const firstTokenTimer = startTimer(sleep, firstTokenMs, () =>
      attemptAbort.abort(timeoutError(`${target.ref} sent no first token within ${firstTokenMs} ms.`)),
    );
    let iterator: AsyncIterator<StreamPart> | undefined;
    try {
      const stream = await untilAborted(model.stream(call, { signal, ...requestIdOf(run.options) }), attemptAbort, closeStream);
      attemptTimer.abort();
      iterator = stream[Symbol.asyncIterator]();
      const head: StreamPart[] = [];
      for (;;) {
        const step = await untilAborted(iterator.next(), attemptAbort);
        if (step.done) throw new GatewayError(502, 'upstream_bad_response', `${target.ref} ended its stream before any content.`, true);
        if (step.value.type === 'error') throw step.value.error;
        head.push(step.value);
        if (isContentPart(step.value)) break;
      }
      firstTokenTimer.abort();
      run.deadlineHandedOver = true;
      return { head, rest: new TrackedStream(iterator, lease, run, head[head.length - 1]?.type === 'finish') };
    } catch (error) {
      iterator?.return?.().catch(noop);
      throw error;
    } finally {
      attemptTimer.abort();
      firstTokenTimer.abort();
    }
  }
}

function requestIdOf(options: ExecutionOptions): { requestId?: string } {
  return options.requestId !== undefined ? { requestId: options.requestId } : {};
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The rest of a stream after fallback is no longer possible. Releases the capacity slot, records
 * the breaker verdict and stops the deadline timer exactly once: on `finish`, on an `error` part,
 * on a throw, when the consumer calls `return()`, or when the caller's signal or the deadline
 * aborts (even if the consumer never calls `next()` again). A throw after the start becomes an
 * in-band `error` part, except the caller's own abort, which is rethrown.
 */
class TrackedStream implements AsyncIterator<StreamPart>, AsyncIterable<StreamPart> {
  private finished = false;
  private ended = false;
  private readonly onAbort = () => this.settle('neutral');

  constructor(
    private readonly inner: AsyncIterator<StreamPart>,
    private readonly lease: Lease,
    private readonly run: PlanRun,
    /** The head already holds `finish` (an empty answer): the generation is over, the slot is free. */
    headFinished: boolean,
  ) {
    if (headFinished) this.settle('success');
    else if (run.signal.aborted) this.settle('neutral');
    else run.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  next(): Promise<IteratorResult<StreamPart>> {
    if (this.ended) return Promise.resolve(DONE);
    // A plain `then` rather than an async method: one promise per part, not two.
    return this.inner.next().then(this.onStep, this.onThrow);
  }

  private readonly onStep = (step: IteratorResult<StreamPart>): IteratorResult<StreamPart> => {
    if (step.done) {
      this.ended = true;
      // Ending without `finish` is a broken upstream (the HTTP layer reports it to the client).
      this.settle('failure');
      return step;
    }
    const part = step.value;
    if (part.type === 'finish') this.settle('success');
    else if (part.type === 'error') this.settle(verdictFor(part.error));
    return step;
  };

  private readonly onThrow = (thrown: unknown): IteratorResult<StreamPart> => {
    this.ended = true;
    if (this.run.callerAborted) {
      this.settle('neutral');
      throw abortReason(this.run.options.signal as AbortLike);
    }
    const deadlineReason: unknown = this.run.deadline.signal.reason;
    const error = deadlineReason instanceof GatewayError ? deadlineReason : toGatewayError(thrown);
    this.settle(deadlineReason instanceof GatewayError ? 'neutral' : verdictFor(error));
    return { done: false, value: { type: 'error', error } };
  };

  async return(): Promise<IteratorResult<StreamPart>> {
    this.ended = true;
    this.settle('neutral');
    try {
      await this.inner.return?.();
    } catch {
      // The consumer is leaving; a failure to close the upstream is not its problem.
    }
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(verdict: BreakerVerdict): void {
    if (this.finished) return;
    this.finished = true;
    this.lease.settle(verdict);
    this.run.deadlineTimer.abort();
    this.run.signal.removeEventListener('abort', this.onAbort);
  }
}
