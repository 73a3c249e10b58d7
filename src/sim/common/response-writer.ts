import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { drained, sleep, writeFlushed } from './http-util.js';
import type { BodyPlan, ResponsePlan, StreamPlan, Timing } from './response-plan.js';
import type { DeliveryFaults } from './rule-book.js';

/**
 * Writes a ResponsePlan: waits the configured generation time, applies delivery faults, and —
 * when no knob asks for time — writes everything in one go, so benchmarks measure the gateway and
 * not our timers.
 */

export interface Pacing {
  readonly firstTokenLatencyMs: number;
  readonly tokensPerSecond: number;
}

export interface DeliveryEnv {
  readonly res: ServerResponse;
  /** Aborted when the client leaves or the server closes. */
  readonly signal: AbortSignal;
  readonly pacing: Pacing;
  readonly faults: DeliveryFaults;
  /** Added to every response (request ids, rate-limit headers). */
  readonly baseHeaders: OutgoingHttpHeaders;
  /** Request arrival (performance.now()). */
  readonly start: number;
  /** The service's in-band error frame, for `error-mid-stream`. */
  readonly streamErrorFrame: () => string;
  /** The service's error answer when an in-band error is due before anything was sent. */
  readonly midStreamErrorPlan: () => BodyPlan;
  /** Destroys the socket on purpose (drop faults), so it is not counted as a client cancel. */
  readonly destroy: () => void;
}

export async function deliver(plan: ResponsePlan, env: DeliveryEnv): Promise<void> {
  // Nobody is listening any more (e.g. Ollama's 499 for a request cancelled in the queue).
  if (env.signal.aborted) return;
  if (env.faults.latencyMs > 0 && !(await sleep(env.faults.latencyMs, env.signal))) return;
  if (plan.kind === 'body') await deliverBody(plan, env);
  else await deliverStream(plan, env);
}

function headersFor(plan: { headers?: OutgoingHttpHeaders; contentType: string }, env: DeliveryEnv): OutgoingHttpHeaders {
  return { ...env.baseHeaders, ...plan.headers, 'content-type': plan.contentType };
}

function tokenIntervalMs(pacing: Pacing): number {
  return pacing.tokensPerSecond > 0 ? 1000 / pacing.tokensPerSecond : 0;
}

async function deliverBody(plan: BodyPlan, env: DeliveryEnv): Promise<void> {
  const { res, signal, pacing, faults } = env;
  let firstTokenAt = performance.now();
  if (plan.generatedTokens !== undefined) {
    if (!(await sleep(pacing.firstTokenLatencyMs, signal))) return;
    firstTokenAt = performance.now();
    if (!(await sleep(tokenIntervalMs(pacing) * plan.generatedTokens, signal))) return;
    if (faults.cut?.kind === 'error') {
      // A non-streaming call that fails during generation gets a plain error response.
      await deliverBody(env.midStreamErrorPlan(), { ...env, faults: { latencyMs: 0 } });
      return;
    }
  }
  const timing: Timing = { start: env.start, firstTokenAt, endAt: performance.now() };
  const body = Buffer.from(typeof plan.body === 'string' ? plan.body : plan.body(timing), 'utf8');
  const headers = { ...headersFor(plan, env), 'content-length': String(body.length) };

  if (faults.cut?.kind === 'drop') {
    res.writeHead(plan.status, headers);
    await writeFlushed(res, body.subarray(0, Math.floor(body.length / 2)));
    env.destroy();
    return;
  }
  if (faults.trickleMs !== undefined && faults.trickleMs > 0) {
    res.writeHead(plan.status, headers);
    const pieces = Math.min(16, Math.max(1, body.length));
    const size = Math.ceil(body.length / pieces);
    for (let offset = 0; offset < body.length; offset += size) {
      if (offset > 0 && !(await sleep(faults.trickleMs, signal))) return;
      res.write(body.subarray(offset, offset + size));
    }
    res.end();
    return;
  }
  res.writeHead(plan.status, headers);
  res.end(body);
}

interface Scheduled {
  readonly data: string;
  /** Due time in ms after generation start (after the latency fault). */
  readonly due: number;
  readonly isToken: boolean;
}

async function deliverStream(plan: StreamPlan, env: DeliveryEnv): Promise<void> {
  const { res, signal, pacing, faults } = env;
  const t0 = performance.now();
  const interval = tokenIntervalMs(pacing);
  const trickle = faults.trickleMs !== undefined && faults.trickleMs > 0 ? faults.trickleMs : undefined;
  const ttft = pacing.firstTokenLatencyMs;

  // Frame schedule: prelude now, body from the first-token latency on, one interval per token.
  const frames: Scheduled[] = [];
  let index = 0;
  const trickleDue = (base: number): number => base + index * (trickle ?? 0);
  for (const data of plan.prelude) {
    frames.push({ data, due: trickle ? trickleDue(0) : 0, isToken: false });
    index++;
  }
  let tokensSoFar = 0;
  for (const frame of plan.body) {
    frames.push({ data: frame.data, due: trickle ? trickleDue(ttft) : ttft + interval * tokensSoFar, isToken: true });
    tokensSoFar += frame.tokens;
    index++;
  }
  const finishDue = trickle ? trickleDue(ttft) : ttft + interval * tokensSoFar;
  const cutAt = faults.cut?.afterChunks;

  let headSent = false;
  const sendHead = (): void => {
    if (headSent) return;
    headSent = true;
    res.writeHead(plan.status ?? 200, headersFor(plan, env));
    res.flushHeaders();
  };
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    sendHead();
    const data = buffer;
    buffer = '';
    if (!res.write(data)) await drained(res, signal);
  };

  if (plan.headersEarly) sendHead();
  let written = 0;
  let firstTokenAt: number | undefined;

  const emit = async (data: string, due: number, isToken: boolean): Promise<'ok' | 'cut' | 'aborted'> => {
    if (cutAt !== undefined && written >= cutAt) return 'cut';
    const wait = t0 + due - performance.now();
    if (wait > 0.5) {
      await flush();
      if (!(await sleep(wait, signal))) return 'aborted';
    }
    if (signal.aborted) return 'aborted';
    if (isToken && firstTokenAt === undefined) firstTokenAt = performance.now();
    buffer += data;
    written++;
    return 'ok';
  };

  let state: 'ok' | 'cut' | 'aborted' = 'ok';
  for (const f of frames) {
    state = await emit(f.data, f.due, f.isToken);
    if (state !== 'ok') break;
  }
  if (state === 'ok') {
    // Generation time ends with the last token interval; the closing frames report it.
    const wait = t0 + finishDue - performance.now();
    if (wait > 0.5) {
      await flush();
      if (!(await sleep(wait, signal))) return;
    }
    const endAt = performance.now();
    const closing = plan.finish({ start: env.start, firstTokenAt: firstTokenAt ?? endAt, endAt });
    for (const data of closing) {
      state = await emit(data, trickle ? trickleDue(ttft) : finishDue, false);
      index++;
      if (state !== 'ok') break;
    }
  }
  if (state === 'aborted' || signal.aborted) return;

  if (state === 'cut' && faults.cut?.kind === 'drop') {
    sendHead();
    await writeFlushed(res, buffer);
    env.destroy();
    return;
  }
  if (state === 'cut' && faults.cut?.kind === 'error') {
    if (!headSent && buffer.length === 0) {
      // Nothing sent yet: the status can still say it (Ollama's streamResponse does exactly this).
      await deliverBody(env.midStreamErrorPlan(), { ...env, faults: { latencyMs: 0 } });
      return;
    }
    buffer += env.streamErrorFrame();
  }
  sendHead();
  res.end(buffer);
}
