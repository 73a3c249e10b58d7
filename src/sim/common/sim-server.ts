import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CONTROL_PREFIX, handleControl } from './control-endpoint.js';
import { parseJson, readBody, untilAborted } from './http-util.js';
import type { JsonParse } from './http-util.js';
import type { PlannerSettings } from './reply-planner.js';
import type { BodyPlan, ResponsePlan } from './response-plan.js';
import { deliver } from './response-writer.js';
import type { Pacing } from './response-writer.js';
import { FaultBook } from './rule-book.js';
import type { DeliveryFaults, ScriptBook } from './rule-book.js';
import { faultListSchema, faultSpecSchema, parseOrThrow, scriptListSchema } from './rule-specs.js';
import { StatsRecorder } from './stats.js';
import type { SimControl, SimOptions, SimServer } from './sim-types.js';

/**
 * The part of a simulator that is not the service: the HTTP server, request bookkeeping (stats,
 * cancellation), fault selection and application, the control endpoint, and shutdown. A service
 * plugs in as a SimService.
 */

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly bodyText: string;
  /** The body parsed as JSON (or why not). */
  readonly json: JsonParse;
  /** Aborted when the client leaves or the server closes. */
  readonly signal: AbortSignal;
  /** performance.now() at arrival. */
  readonly start: number;
  /** 32 random hex digits; services shape their request ids from it. */
  readonly id: string;
}

/** What fault matching and stats need to know about a request, extracted leniently. */
export interface RequestFacts {
  readonly model?: string;
  readonly userText?: string;
  /** Whether the answer would be streamed (decides what `malformed` looks like). */
  readonly stream: boolean;
}

export interface SimContext {
  readonly signal: AbortSignal;
  readonly planner: PlannerSettings;
  readonly pacing: Pacing;
  /** Writes the plan with pacing and the request's delivery faults; resolves when done or aborted. */
  send(plan: ResponsePlan): Promise<void>;
  /** Count this response as a capacity rejection rather than a completion. */
  markRejected(): void;
}

export interface SimService {
  readonly scripts: ScriptBook;
  /** Model id as the service identifies it (Ollama adds `:latest`). */
  normalizeModel(model: string): string;
  describe(req: SimRequest): RequestFacts;
  /** Headers on every response of this request (request ids, rate limits). */
  baseHeaders(req: SimRequest): OutgoingHttpHeaders;
  /** An error in the service's own shape. */
  errorPlan(req: SimRequest, status: number, message?: string, retryAfterSeconds?: number): BodyPlan;
  /** The service's in-band stream error frame (`error-mid-stream`). */
  streamErrorFrame(req: SimRequest): string;
  /** The error answer when generation fails before anything was sent. */
  midStreamErrorPlan(req: SimRequest): BodyPlan;
  /** A 200 whose body breaks the protocol (`malformed`). */
  malformedPlan(req: SimRequest, stream: boolean): ResponsePlan;
  handle(req: SimRequest, ctx: SimContext): Promise<void>;
  /** Releases timers; called by close(). */
  close?(): void;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

export async function startSimServer(options: SimOptions, service: SimService): Promise<SimServer> {
  const faults = new FaultBook((m) => service.normalizeModel(m));
  const stats = new StatsRecorder();
  const active = new Set<AbortController>();
  let closing = false;

  const control: SimControl = {
    setFaults: (list) => faults.set(parseOrThrow(faultListSchema, list, 'fault list')),
    addFault: (fault) => faults.add(parseOrThrow(faultSpecSchema, fault, 'fault')),
    clearFaults: () => faults.clear(),
    setScripts: (list) => service.scripts.set(parseOrThrow(scriptListSchema, list, 'script list')),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
  };
  if (options.faults) control.setFaults(options.faults);
  if (options.scripts) control.setScripts(options.scripts);

  const planner: PlannerSettings = {
    seed: options.seed ?? 42,
    outputTokens: options.outputTokens ?? 24,
    scripts: service.scripts,
  };
  const pacing: Pacing = {
    firstTokenLatencyMs: options.firstTokenLatencyMs ?? 0,
    tokensPerSecond: options.tokensPerSecond ?? 0,
  };
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now();
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const read = await readBody(req, maxBody);
      handleControl(method, url.pathname, read.ok ? read.text : '', res, { control, faults, scripts: service.scripts });
      return;
    }

    // Bookkeeping starts before the body is read, so a client that leaves mid-upload is counted too.
    const controller = new AbortController();
    active.add(controller);
    stats.started(url.pathname);
    let destroyedByUs = false;
    let rejected = false;
    res.on('close', () => {
      active.delete(controller);
      if (res.writableFinished) {
        stats.ended(rejected ? 'rejected' : 'completed');
        return;
      }
      controller.abort();
      stats.ended(destroyedByUs || closing ? 'destroyed' : 'cancelled');
    });
    const read = await readBody(req, maxBody);
    if (!read.ok && read.reason === 'aborted') return;

    const bodyText = read.ok ? read.text : '';
    const simReq: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      bodyText,
      json: parseJson(bodyText),
      signal: controller.signal,
      start,
      id: randomBytes(16).toString('hex'),
    };
    const headers = service.baseHeaders(simReq);
    const destroy = (): void => {
      destroyedByUs = true;
      // Let bytes already handed to the socket (headers, the frames before a drop) go out first.
      const socket = req.socket;
      if (socket.writableLength === 0) {
        socket.destroy();
        return;
      }
      const timer = setTimeout(() => socket.destroy(), 500);
      socket.once('drain', () => {
        clearTimeout(timer);
        socket.destroy();
      });
    };
    const sendWith = (delivery: DeliveryFaults) => (plan: ResponsePlan) =>
      deliver(plan, {
        res,
        signal: controller.signal,
        pacing,
        faults: delivery,
        baseHeaders: headers,
        start,
        streamErrorFrame: () => service.streamErrorFrame(simReq),
        midStreamErrorPlan: () => service.midStreamErrorPlan(simReq),
        destroy,
      });

    if (!read.ok) {
      await sendWith({ latencyMs: 0 })(service.errorPlan(simReq, 413, 'request body too large'));
      return;
    }

    const facts = service.describe(simReq);
    if (facts.model !== undefined) stats.model(facts.model);
    const selection = faults.select({ path: url.pathname, model: facts.model, userText: facts.userText });
    if (selection.any) stats.faulted();
    const send = sendWith(selection.delivery);

    try {
      const terminal = selection.terminal;
      if (terminal?.kind === 'reset') {
        destroy();
      } else if (terminal?.kind === 'hang') {
        await untilAborted(controller.signal);
      } else if (terminal?.kind === 'status') {
        await send(service.errorPlan(simReq, terminal.status, terminal.message, terminal.retryAfter));
      } else if (terminal?.kind === 'malformed') {
        await send(service.malformedPlan(simReq, facts.stream));
      } else {
        await service.handle(simReq, {
          signal: controller.signal,
          planner,
          pacing,
          send,
          markRejected: () => {
            rejected = true;
          },
        });
      }
    } catch (error) {
      if (!res.headersSent && !controller.signal.aborted) {
        const message = error instanceof Error ? error.message : String(error);
        await sendWith({ latencyMs: 0 })(service.errorPlan(simReq, 500, `simulator error: ${message}`));
        return;
      }
      destroy();
      return;
    }
    if (!res.headersSent && !res.writableEnded && !controller.signal.aborted) {
      await sendWith({ latencyMs: 0 })(service.errorPlan(simReq, 500, 'simulator handler sent no response'));
    }
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    control,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const c of active) c.abort();
        service.close?.();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
