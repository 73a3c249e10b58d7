import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  ClientAbortError,
  ProviderCallError,
  toGatewayError,
  Trigger,
  type CallWarning,
  type ChatCall,
  type RequestMeta,
  type StreamPart,
} from '../core/index.js';
import { readRequestMeta } from '../routing/request-meta.js';
import type { ExecutionReport } from '../execution/executor.js';
import { partsFromResult, ResponseCache, resultFromParts } from '../execution/response-cache.js';
import type { Dialect, ParsedChatRequest } from './dialects/dialect.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import { SSE_HEADERS, writeWithBackpressure } from './sse.js';
import type { RequestAccount } from './request-account.js';
import type { BudgetGuard } from '../auth/index.js';
import { ExecutionError } from '../execution/executor.js';
import { usageNeedsEstimate } from '../ledger/build-ledger-record.js';

export interface ChatHandlerDeps {
  readonly runtime: GatewayRuntime;
  readonly logger: Logger;
  readonly now: () => number;
  /** How often to send a keep-alive during upstream silence (model load, long thinking). */
  readonly pingIntervalMs?: number;
  /** Spend limits: checked before routing; a spent cloud budget may leave only local targets. */
  readonly budgets?: Pick<BudgetGuard, 'check'>;
  /** `logging.prompts`: log each request's messages at debug (off: no prompt ever reaches the logs). */
  readonly logPrompts?: boolean;
}

/**
 * Serves one chat request in the given client dialect: parse → route → execute the plan (with
 * fallback) → answer in the client's dialect (JSON, or SSE written part by part as it arrives).
 * The client going away aborts the upstream call.
 */
export function createChatHandler(dialect: Dialect, deps: ChatHandlerDeps) {
  const pingIntervalMs = deps.pingIntervalMs ?? 15_000;

  return async function handleChat(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const account = request.account;
    account?.enter();
    try {
      return await serve(request, reply, account);
    } catch (error) {
      if (account) {
        account.error = toGatewayError(error);
        if (error instanceof ExecutionError) account.attempts = error.attempts;
      }
      throw error;
    } finally {
      account?.leave();
    }
  };

  async function serve(request: FastifyRequest, reply: FastifyReply, account: RequestAccount | undefined): Promise<unknown> {
    const parsed = dialect.parseChatRequest(request.body);
    if (deps.logPrompts) deps.logger.debug({ reqId: request.id, model: parsed.call.model, messages: parsed.call.messages }, 'prompt');
    const snapshot = deps.runtime.snapshot;
    const meta = requestMetaOf(parsed, request);
    let plan = snapshot.router.plan(meta, deps.runtime.mode, snapshot.gates);
    if (account) {
      account.stream = parsed.stream;
      account.requestedModel = parsed.call.model;
      account.call = parsed.call;
      account.meta = meta;
      account.plan = plan;
      account.addWarnings(parsed.warnings);
    }
    if (deps.budgets && request.caller) {
      const decision = deps.budgets.check(request.caller);
      if (decision.warnings.length > 0) {
        reply.header('x-tollgate-budget', headerSafe(decision.warnings.join('; ')));
        account?.warnings.push(...decision.warnings);
      }
      if (!decision.allow) {
        // A spent cloud budget: keep the local targets when the config says so, else refuse.
        const local = decision.localOnly ? plan.targets.filter((target) => target.local) : [];
        if (local.length === 0) throw decision.error;
        const refused = plan.targets.filter((target) => !target.local).map((target) => ({ ref: target.ref, reason: 'budget-exhausted' }));
        plan = { ...plan, targets: local, skipped: [...plan.skipped, ...refused] };
        if (account) account.plan = plan;
        reply.header('x-tollgate-budget', headerSafe(`${decision.error.message} Served locally.`));
        account?.warnings.push(`${decision.error.message} Served locally.`);
      }
    }
    const context = { requestId: request.id, model: parsed.call.model, created: Math.floor(deps.now() / 1000) };
    reply.header('x-tollgate-rule', headerSafe(plan.rule));

    const cache = plan.cache ? { key: ResponseCache.key(plan.rule, parsed.call), ttlMs: plan.cache.ttlMs } : undefined;
    const hit = cache ? deps.runtime.responseCache.get(cache.key, cache.ttlMs) : undefined;
    if (hit) {
      // Nobody upstream is called: the answer is free, and the headers say where it came from.
      if (account) account.cache = 'hit';
      const headers = { 'x-tollgate-target': hit.ref, 'x-tollgate-attempts': '0', 'x-tollgate-cache': 'hit' };
      if (!parsed.stream) {
        reply.headers(headers);
        return dialect.chatResponse(hit.result, context);
      }
      reply.hijack();
      reply.raw.writeHead(200, Object.assign({ 'x-request-id': request.id, 'x-tollgate-rule': headerSafe(plan.rule) }, SSE_HEADERS, headers));
      await pipeParts(reply.raw, partsFromResult(hit.result), emptyIterator(), dialect.createStreamEncoder(context, { includeUsage: parsed.includeUsage }), pingIntervalMs, undefined);
      return reply;
    }
    if (cache) {
      reply.header('x-tollgate-cache', 'miss');
      if (account) account.cache = 'miss';
    }

    const abort = abortOnDisconnect(reply);
    const options = { signal: abort.signal, requestId: request.id };

    try {
      if (!parsed.stream) {
        const { result, ...report } = await snapshot.executor.generate(plan, parsed.call, options);
        reply.headers(routeHeaders(report, parsed.warnings.concat(result.warnings)));
        if (account) {
          account.report(report);
          account.usage = result.usage;
          account.addWarnings(result.warnings);
          account.response = result.content;
          if (usageNeedsEstimate(result.usage).output) {
            for (const part of result.content) account.output.push(part.type === 'tool-call' ? part.name + part.arguments : part.text);
          }
        }
        if (cache) deps.runtime.responseCache.set(cache.key, result, report.target.ref);
        return dialect.chatResponse(result, context);
      }

      const { head, rest, ...report } = await snapshot.executor.stream(plan, parsed.call, options);
      const start = head[0]?.type === 'stream-start' ? head[0] : undefined;
      if (account) {
        account.report(report);
        if (start) account.addWarnings(start.warnings);
      }
      const encoder = dialect.createStreamEncoder(context, { includeUsage: parsed.includeUsage });
      const res = reply.raw;
      reply.hijack();
      // Assigned into one fresh object: spreading SSE_HEADERS first and adding to it is ~0.5 µs a header on Node 20.
      const headers = routeHeaders(report, start ? parsed.warnings.concat(start.warnings) : parsed.warnings);
      headers['x-request-id'] = request.id;
      headers['x-tollgate-rule'] = headerSafe(plan.rule);
      if (cache) headers['x-tollgate-cache'] = 'miss';
      res.writeHead(200, Object.assign(headers, SSE_HEADERS));
      const onFinished = cache
        ? (parts: readonly StreamPart[]) => {
            const result = resultFromParts(parts);
            if (result) deps.runtime.responseCache.set(cache.key, result, report.target.ref);
          }
        : undefined;
      await pipeParts(res, head, rest, encoder, pingIntervalMs, account, onFinished).catch((error: unknown) => {
        deps.logger.warn({ reqId: request.id, err: error }, 'stream ended abnormally');
      });
      return reply;
    } catch (error) {
      if (abort.signal.aborted) throw new ClientAbortError();
      throw error;
    } finally {
      abort.dispose();
    }
  }
}

/** Routing input: the caller's metadata plus cheap facts about the request (no tokenizer on the hot path). */
export function requestMetaOf(parsed: ParsedChatRequest, request: FastifyRequest): RequestMeta {
  const call = parsed.call;
  return readRequestMeta({
    model: call.model,
    headers: request.headers,
    metadata: parsed.metadata,
    hasTools: call.tools !== undefined && call.tools.length > 0,
    hasImages: call.messages.some((message) => message.role === 'user' && message.content.some((part) => part.type === 'image')),
    // Only `model: auto` weighs prompt size; ~4 characters per token is close enough to pick a tier.
    ...(call.model === 'auto' ? { estimatedInputTokens: Math.ceil(textLength(call) / 4) } : {}),
  });
}

function textLength(call: ChatCall): number {
  let length = 0;
  for (const message of call.messages) {
    if (message.role === 'system') length += message.content.length;
    else for (const part of message.content) if (part.type === 'text') length += part.text.length;
  }
  return length;
}

/** `x-tollgate-*` headers that say where the answer came from and how it got there. */
export function routeHeaders(report: ExecutionReport, warnings: ReadonlyArray<CallWarning>): Record<string, string> {
  const headers: Record<string, string> = {
    'x-tollgate-target': report.target.ref,
    'x-tollgate-attempts': String(report.attempts.filter((attempt) => attempt.outcome !== 'skipped').length),
  };
  if (report.fallbackReason !== undefined) headers['x-tollgate-fallback'] = headerSafe(report.fallbackReason);
  if (warnings.length > 0) headers['x-tollgate-warnings'] = warningsHeader(warnings);
  return headers;
}

type Encoder = ReturnType<Dialect['createStreamEncoder']>;

async function pipeParts(
  res: ServerResponse,
  head: readonly StreamPart[],
  rest: AsyncIterator<StreamPart>,
  encoder: Encoder,
  pingIntervalMs: number,
  /** Told the first-token time, the usage, the generated text and a failure after the start. */
  account: RequestAccount | undefined,
  /** Called with every part of a stream that finished cleanly (only when the response is cacheable). */
  onFinished?: (parts: readonly StreamPart[]) => void,
): Promise<void> {
  const seen: StreamPart[] | undefined = onFinished ? [] : undefined;
  let lastWrite = Date.now();
  const ping = setInterval(() => {
    if (Date.now() - lastWrite >= pingIntervalMs && !res.writableEnded) res.write(encoder.ping());
  }, pingIntervalMs);
  ping.unref();
  let failed = false;
  let index = 0;
  // Parts already read come without a promise hop; only the upstream's are awaited (a per-part
  // async wrapper here cost two extra microtask turns for every token of every stream).
  const next = (): IteratorResult<StreamPart> | Promise<IteratorResult<StreamPart>> =>
    index < head.length ? { done: false, value: head[index++]! } : rest.next();
  try {
    let step = await next();
    while (!step.done) {
      const part = step.value;
      seen?.push(part);
      if (account) noteStreamPart(account, part);
      const text = encoder.encode(part);
      if (text.length > 0) {
        lastWrite = Date.now();
        const written = writeWithBackpressure(res, text);
        if (written !== true && !(await written)) {
          // The client left: stop reading so the provider aborts and frees the upstream.
          await rest.return?.();
          return;
        }
      }
      if (encoder.ended) {
        failed = part.type !== 'finish';
        break;
      }
      const upcoming = next();
      step = upcoming instanceof Promise ? await upcoming : upcoming;
    }
    if (step.done && !encoder.ended) {
      // The provider's stream stopped without a finish: tell the client in its dialect rather than
      // leaving it with a stream that just stops (OpenAI clients would see no [DONE] and no error).
      const error = new ProviderCallError({ provider: 'gateway', url: '', message: 'The upstream stream ended before it finished.', code: 'upstream_bad_response' });
      res.write(encoder.fail(error));
      failed = true;
      if (account) {
        account.streamFailed = true;
        account.error = error;
      }
    }
  } catch (error) {
    const gatewayError = toGatewayError(error);
    if (!res.destroyed) res.write(encoder.fail(gatewayError));
    failed = true;
    if (account) {
      account.streamFailed = true;
      account.error = gatewayError;
    }
  } finally {
    clearInterval(ping);
    if (!res.writableEnded) res.end();
  }
  if (failed) {
    await rest.return?.();
    return;
  }
  if (seen) onFinished?.(seen);
  // Finished: read the upstream to its end (normally nothing is left) so its keep-alive
  // connection goes back to the pool and the executor releases the slot.
  while (!(await rest.next()).done) {
    // parts after `finish` carry nothing for the client
  }
}

/** What the ledger learns from each streamed part. */
function noteStreamPart(account: RequestAccount, part: StreamPart): void {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
      if (account.ttftMs === null) account.ttftMs = account.elapsed();
      account.output.push(part.delta);
      return;
    case 'tool-call-start':
      if (account.ttftMs === null) account.ttftMs = account.elapsed();
      account.output.push(part.name);
      return;
    case 'tool-call-delta':
      account.output.push(part.argumentsDelta);
      return;
    case 'stream-start':
      // Anthropic reports the prompt's counts up front: a stream cut short is billed on them.
      if (part.usage) account.startUsage = part.usage;
      return;
    case 'finish':
      account.usage = part.usage;
      return;
    case 'error':
      account.streamFailed = true;
      account.error = part.error;
      return;
    default:
      return;
  }
}

function emptyIterator(): AsyncIterator<StreamPart> {
  return { next: async () => ({ done: true, value: undefined }) };
}

/**
 * Aborts when the client's connection closes before we finished answering. A light Trigger, not
 * an AbortController: the executor only listens to it and gives each upstream call its own signal.
 */
function abortOnDisconnect(reply: FastifyReply): { signal: Trigger; dispose: () => void } {
  const controller = new Trigger();
  const res = reply.raw;
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new ClientAbortError());
  };
  res.once('close', onClose);
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}

/** Warnings as one header value: `setting: message; …`. */
export function warningsHeader(warnings: ReadonlyArray<CallWarning>): string {
  return headerSafe(warnings.map((warning) => `${warning.setting}: ${warning.message}`).join('; '));
}

/** Header values must be printable ASCII; keep them short. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 2000);
}
