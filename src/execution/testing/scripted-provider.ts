import {
  EMPTY_USAGE,
  ProviderCallError,
  type CallOptions,
  type ChatCall,
  type ChatModel,
  type ChatResult,
  type ChatStream,
  type GatewayError,
  type Provider,
  type ProviderKind,
  type StreamPart,
} from '../../core/index.js';
import { abortReason } from '../../providers/shared/index.js';

/**
 * One scripted answer. In `generate` and `stream` alike unless noted:
 * - `ok`: answers with this text (a stream: stream-start, one text-delta, finish);
 * - `error`: the call rejects with it (a stream: `stream()` rejects, as on a non-2xx);
 * - `hang`: never answers, but honours the abort signal like a real provider;
 * - `streamParts` (stream only): `stream()` resolves and yields these parts, then ends or hangs (`then`);
 * - `streamErrorAfter` (stream only): stream-start, that many text-deltas, then an `error` part.
 * `until`: the step waits for this promise first (to hold a capacity slot as long as a test wants).
 */
export type ScriptStep = { readonly until?: Promise<unknown> } & (
  | { readonly ok: string }
  | { readonly error: GatewayError }
  | { readonly hang: true }
  | { readonly streamParts: ReadonlyArray<StreamPart>; readonly then?: 'end' | 'hang' }
  | { readonly streamErrorAfter: number; readonly error?: GatewayError }
);

export interface ScriptedCall {
  readonly method: 'generate' | 'stream';
  readonly modelId: string;
  readonly call: ChatCall;
  readonly at: number;
}

export interface ScriptedProvider extends Provider {
  readonly calls: ScriptedCall[];
  /** Streams handed out and not yet ended or closed by the consumer. */
  openStreams(): number;
  /** Appends steps for a model (the script is consumed in order, one step per call). */
  script(modelId: string, ...steps: ScriptStep[]): void;
}

export function createScriptedProvider(init: { name: string; kind?: ProviderKind; now?: () => number }): ScriptedProvider {
  const scripts = new Map<string, ScriptStep[]>();
  const calls: ScriptedCall[] = [];
  let open = 0;
  const now = init.now ?? (() => 0);

  const nextStep = (modelId: string): ScriptStep => {
    const step = scripts.get(modelId)?.shift();
    if (!step) throw new Error(`scripted provider ${init.name}: no step left for ${modelId}`);
    return step;
  };

  function chatModel(modelId: string): ChatModel {
    return {
      provider: init.name,
      modelId,
      async generate(call, options) {
        calls.push({ method: 'generate', modelId, call, at: now() });
        const step = nextStep(modelId);
        await waitFor(step.until, options);
        if ('ok' in step) return result(step.ok);
        if ('hang' in step) return hang(options);
        if ('error' in step && step.error && !('streamErrorAfter' in step)) throw step.error;
        throw new Error(`scripted provider ${init.name}: stream step used for generate`);
      },
      async stream(call, options) {
        calls.push({ method: 'stream', modelId, call, at: now() });
        const step = nextStep(modelId);
        await waitFor(step.until, options);
        if ('hang' in step) return hang(options);
        if ('error' in step && step.error && !('streamErrorAfter' in step)) throw step.error;
        let parts: ReadonlyArray<StreamPart>;
        let then: 'end' | 'hang' = 'end';
        if ('ok' in step) {
          parts = [START, { type: 'text-delta', delta: step.ok }, FINISH];
        } else if ('streamParts' in step) {
          parts = step.streamParts;
          then = step.then ?? 'end';
        } else if ('streamErrorAfter' in step) {
          const deltas = Array.from({ length: step.streamErrorAfter }, (): StreamPart => ({ type: 'text-delta', delta: 'x' }));
          parts = [START, ...deltas, { type: 'error', error: step.error ?? upstreamError(init.name, 'dropped mid-stream') }];
        } else {
          throw new Error('unreachable');
        }
        open++;
        return partStream(parts, then, options, () => open--);
      },
    };
  }

  return {
    name: init.name,
    kind: init.kind ?? 'openai',
    calls,
    openStreams: () => open,
    script(modelId, ...steps) {
      const list = scripts.get(modelId) ?? [];
      list.push(...steps);
      scripts.set(modelId, list);
    },
    chatModel,
    listModels: () => Promise.resolve([]),
    health: () => Promise.resolve({ ok: true, latencyMs: 0 }),
    close: () => Promise.resolve(),
  };
}

export const START: StreamPart = { type: 'stream-start', response: {}, warnings: [] };
export const FINISH: StreamPart = { type: 'finish', finishReason: { unified: 'stop' }, usage: EMPTY_USAGE };

/** An upstream failure as a provider would throw it. */
export function upstreamError(provider: string, message: string, init: { status?: number; retryAfterSeconds?: number; code?: GatewayError['code'] } = {}): ProviderCallError {
  return new ProviderCallError({ provider, url: `http://${provider}.test/chat`, message, ...init });
}

function result(text: string): ChatResult {
  return { content: [{ type: 'text', text }], finishReason: { unified: 'stop' }, usage: EMPTY_USAGE, warnings: [], response: {} };
}

function noop(): void {}

/** Waits for `promise` (if any), rejecting like a real provider (with the signal's reason) when the call is aborted. */
function waitFor(promise: Promise<unknown> | undefined, options: CallOptions | undefined): Promise<void> {
  const signal = options?.signal;
  if (!promise) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => reject(abortReason(signal as AbortSignal));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(() => resolve(), reject).finally(() => signal?.removeEventListener('abort', onAbort));
  });
}

/** Never settles on its own: only the call's abort ends it. */
async function hang(options: CallOptions | undefined): Promise<never> {
  await waitFor(new Promise<never>(noop), options);
  throw new Error('unreachable: a hang ends only by abort');
}

function partStream(parts: ReadonlyArray<StreamPart>, then: 'end' | 'hang', options: CallOptions | undefined, onClose: () => void): ChatStream {
  let index = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
  };
  const iterator: AsyncIterableIterator<StreamPart> = {
    async next() {
      if (closed) return { done: true, value: undefined };
      const part = parts[index++];
      if (part) {
        if (part.type === 'error') close();
        return { done: false, value: part };
      }
      if (then === 'hang') {
        try {
          await hang(options);
        } catch (error) {
          close();
          throw error;
        }
      }
      close();
      return { done: true, value: undefined };
    },
    async return() {
      close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
