import { performance } from 'node:perf_hooks';
import { sleep } from '../common/http-util.js';

/**
 * Ollama's scheduler, reduced to what a gateway can observe: `numParallel` requests run at once
 * per loaded model, further requests wait in a queue of at most `maxQueue` (beyond it: 503), a
 * cold model costs `loadTimeMs` on first use and again after its keep-alive expired, and loaded
 * models show in /api/ps until then.
 *
 * Deliberate simplification: today's Ollama bounds only requests waiting to be *scheduled* by
 * OLLAMA_MAX_QUEUE and lets requests for an already-loaded runner wait on its semaphore without
 * bound; the sim counts every waiting request against maxQueue, as the FAQ describes the knob.
 * There is no limit on loaded models (OLLAMA_MAX_LOADED_MODELS) and no VRAM model.
 */

export class QueueFullError extends Error {
  constructor() {
    super('server busy, please try again.  maximum pending requests exceeded');
  }
}

export interface SchedulerOptions {
  readonly numParallel: number;
  readonly maxQueue: number;
  readonly loadTimeMs: number;
  readonly defaultKeepAliveMs: number;
  /** Context length a model loads with when the request sets no `num_ctx`. */
  readonly defaultContextLength: number;
}

/** A running slot; release it with the request's keep-alive (ms; negative = forever; undefined = default). */
export interface Lease {
  /** performance.now() when the slot was granted. */
  readonly grantedAt: number;
  release(keepAliveMs: number | undefined): void;
}

interface Waiter {
  readonly grant: () => void;
}

interface ModelState {
  running: number;
  readonly waiters: Waiter[];
  loaded: boolean;
  loading?: Promise<void>;
  /** Epoch ms; Infinity while kept forever. */
  expiresAt: number;
  keepAliveMs: number;
  /** `num_ctx` the model was loaded with (shown by /api/ps). */
  contextLength: number;
}

export interface LoadedModel {
  readonly name: string;
  /** Epoch ms (Infinity = forever). */
  readonly expiresAt: number;
  readonly contextLength: number;
}

export class OllamaScheduler {
  private readonly models = new Map<string, ModelState>();
  private waiting = 0;

  /** `lifetime` aborts when the server closes, ending loads in progress. */
  constructor(
    private readonly options: SchedulerOptions,
    private readonly lifetime: AbortSignal,
  ) {}

  /** Waits for a slot. Throws QueueFullError at capacity; resolves undefined if `signal` aborts first. */
  acquire(model: string, signal: AbortSignal): Promise<Lease | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    const state = this.state(model);
    if (state.running < this.options.numParallel && state.waiters.length === 0) {
      state.running += 1;
      return Promise.resolve(this.lease(model));
    }
    if (this.waiting >= this.options.maxQueue) return Promise.reject(new QueueFullError());
    this.waiting += 1;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.lease(model));
        },
      };
      const onAbort = (): void => {
        const at = state.waiters.indexOf(waiter);
        if (at >= 0) {
          state.waiters.splice(at, 1);
          this.waiting -= 1;
        }
        resolve(undefined);
      };
      state.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Makes sure the model is in memory, loading it (once, shared by concurrent callers) when cold.
   * A different `numCtx` than the loaded one forces a reload, as a load-time option does in
   * Ollama. Resolves false if `signal` aborted first; the load itself carries on, as Ollama's does.
   */
  async ensureLoaded(model: string, signal: AbortSignal, numCtx?: number): Promise<boolean> {
    const state = this.state(model);
    const wantCtx = numCtx ?? (state.loaded ? state.contextLength : this.options.defaultContextLength);
    if (this.isLoaded(state) && wantCtx === state.contextLength) return true;
    state.loaded = false;
    state.loading ??= sleep(this.options.loadTimeMs, this.lifetime).then(() => {
      state.loaded = true;
      state.contextLength = wantCtx;
      state.loading = undefined;
      state.keepAliveMs = this.options.defaultKeepAliveMs;
      state.expiresAt = Date.now() + this.options.defaultKeepAliveMs;
    });
    const aborted = new Promise<false>((resolve) => {
      if (signal.aborted) resolve(false);
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    return Promise.race([state.loading.then(() => true), aborted]);
  }

  /** Unloads now (keep_alive 0 with no messages). */
  unload(model: string): void {
    const state = this.state(model);
    if (state.running === 0) state.loaded = false;
    else state.expiresAt = Date.now();
  }

  loadedModels(): LoadedModel[] {
    const out: LoadedModel[] = [];
    for (const [name, state] of this.models) {
      if (!this.isLoaded(state)) continue;
      const expiresAt = state.running > 0 ? Date.now() + Math.max(0, state.keepAliveMs) : state.expiresAt;
      out.push({ name, expiresAt, contextLength: state.contextLength });
    }
    // Longest remaining first, as Ollama sorts /api/ps.
    return out.sort((a, b) => b.expiresAt - a.expiresAt);
  }

  forget(model: string): void {
    const state = this.models.get(model);
    if (state && state.running === 0 && state.waiters.length === 0) this.models.delete(model);
  }

  private lease(model: string): Lease {
    let released = false;
    return {
      grantedAt: performance.now(),
      release: (keepAliveMs) => {
        if (released) return;
        released = true;
        this.release(model, keepAliveMs);
      },
    };
  }

  private release(model: string, keepAliveMs: number | undefined): void {
    const state = this.state(model);
    state.running -= 1;
    const keep = keepAliveMs ?? this.options.defaultKeepAliveMs;
    state.keepAliveMs = keep;
    state.expiresAt = keep < 0 ? Infinity : Date.now() + keep;
    if (keep === 0 && state.running === 0) state.loaded = false;
    const next = state.waiters.shift();
    if (next) {
      this.waiting -= 1;
      state.running += 1;
      next.grant();
    }
  }

  private isLoaded(state: ModelState): boolean {
    if (!state.loaded) return false;
    if (state.running > 0 || Date.now() < state.expiresAt) return true;
    state.loaded = false;
    return false;
  }

  private state(model: string): ModelState {
    let state = this.models.get(model);
    if (!state) {
      state = {
        running: 0,
        waiters: [],
        loaded: false,
        expiresAt: 0,
        keepAliveMs: this.options.defaultKeepAliveMs,
        contextLength: this.options.defaultContextLength,
      };
      this.models.set(model, state);
    }
    return state;
  }
}

/**
 * Parses `keep_alive` like Ollama's api.Duration: a number is seconds, a string is a Go duration
 * (`5m`, `1h30m`, `0`), negative means forever. Returns ms (negative = forever).
 */
export function parseKeepAlive(value: unknown): { ok: true; ms: number | undefined } | { ok: false; message: string } {
  if (value === undefined || value === null) return { ok: true, ms: undefined };
  if (typeof value === 'number') return { ok: true, ms: value < 0 ? -1 : value * 1000 };
  if (typeof value !== 'string') {
    return { ok: false, message: `json: cannot unmarshal ${typeof value} into Go struct field .keep_alive of type api.Duration` };
  }
  const text = value.trim();
  if (text === '0' || text === '-0' || text === '+0') return { ok: true, ms: 0 };
  const match = /^([-+]?)((?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
  if (!match) {
    const message = /^[-+]?\d+(\.\d+)?$/.test(text) ? `time: missing unit in duration "${value}"` : `time: invalid duration "${value}"`;
    return { ok: false, message };
  }
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const part of (match[2] ?? '').matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)) {
    ms += Number(part[1]) * (unitMs[part[2] ?? 's'] ?? 1000);
  }
  return { ok: true, ms: match[1] === '-' ? -1 : ms };
}
