import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  ClientAbortError,
  ModelNotFoundError,
  ProviderCallError,
  toGatewayError,
  type CallWarning,
  type ChatModel,
  type StreamPart,
} from '../core/index.js';
import type { ResolvedTarget } from '../routing/resolve-model.js';
import type { ProviderRegistry } from '../execution/provider-registry.js';
import type { Dialect } from './dialects/dialect.js';
import { SSE_HEADERS, writeWithBackpressure } from './sse.js';

export interface ChatHandlerDeps {
  readonly resolveModel: (model: string) => ResolvedTarget;
  readonly registry: ProviderRegistry;
  readonly logger: Logger;
  readonly now: () => number;
  /** How often to send a keep-alive during upstream silence (model load, long thinking). */
  readonly pingIntervalMs?: number;
}

/**
 * Serves one chat request in the given client dialect: parse → resolve the model → call the
 * provider → answer in the client's dialect (JSON, or SSE written part by part as it arrives).
 * The client going away aborts the upstream call.
 */
export function createChatHandler(dialect: Dialect, deps: ChatHandlerDeps) {
  const pingIntervalMs = deps.pingIntervalMs ?? 15_000;

  return async function handleChat(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const parsed = dialect.parseChatRequest(request.body);
    const target = deps.resolveModel(parsed.call.model);
    const model = chatModelFor(deps.registry, target);
    const call = { ...parsed.call, model: target.modelId, ...(target.ollama ? { ollama: target.ollama } : {}) };
    const context = { requestId: request.id, model: parsed.call.model, created: Math.floor(deps.now() / 1000) };
    const abort = abortOnDisconnect(reply);
    const options = { signal: abort.signal, requestId: request.id };

    try {
      if (!parsed.stream) {
        const result = await model.generate(call, options);
        reply.header('x-tollgate-target', target.ref);
        const warnings = parsed.warnings.concat(result.warnings);
        if (warnings.length > 0) reply.header('x-tollgate-warnings', warningsHeader(warnings));
        return dialect.chatResponse(result, context);
      }

      const stream = await model.stream(call, options);
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      const encoder = dialect.createStreamEncoder(context, { includeUsage: parsed.includeUsage });
      const res = reply.raw;
      reply.hijack();
      const headers: Record<string, string> = { ...SSE_HEADERS, 'x-request-id': request.id, 'x-tollgate-target': target.ref };
      const warnings = !first.done && first.value.type === 'stream-start' ? parsed.warnings.concat(first.value.warnings) : parsed.warnings;
      if (warnings.length > 0) headers['x-tollgate-warnings'] = warningsHeader(warnings);
      res.writeHead(200, headers);
      await pipeParts(res, first, iterator, encoder, pingIntervalMs).catch((error: unknown) => {
        deps.logger.warn({ reqId: request.id, err: error }, 'stream ended abnormally');
      });
      return reply;
    } catch (error) {
      if (abort.signal.aborted) throw new ClientAbortError();
      throw error;
    } finally {
      abort.dispose();
    }
  };
}

function chatModelFor(registry: ProviderRegistry, target: ResolvedTarget): ChatModel {
  const provider = registry.get(target.provider);
  if (!provider) throw new ModelNotFoundError(target.ref, `The provider '${target.provider}' is not configured.`);
  return provider.chatModel(target.modelId);
}

type Encoder = ReturnType<Dialect['createStreamEncoder']>;

async function pipeParts(
  res: ServerResponse,
  first: IteratorResult<StreamPart>,
  iterator: AsyncIterator<StreamPart>,
  encoder: Encoder,
  pingIntervalMs: number,
): Promise<void> {
  let lastWrite = Date.now();
  const ping = setInterval(() => {
    if (Date.now() - lastWrite >= pingIntervalMs && !res.writableEnded) res.write(encoder.ping());
  }, pingIntervalMs);
  ping.unref();
  let failed = false;
  try {
    let step = first;
    while (!step.done) {
      const part = step.value;
      const text = encoder.encode(part);
      if (text.length > 0) {
        lastWrite = Date.now();
        const written = writeWithBackpressure(res, text);
        if (written !== true && !(await written)) {
          // The client left: stop reading so the provider aborts and frees the upstream.
          await iterator.return?.();
          return;
        }
      }
      if (encoder.ended) {
        failed = part.type !== 'finish';
        break;
      }
      step = await iterator.next();
    }
    if (step.done && !encoder.ended) {
      // The provider's stream stopped without a finish: tell the client in its dialect rather than
      // leaving it with a stream that just stops (OpenAI clients would see no [DONE] and no error).
      res.write(encoder.fail(new ProviderCallError({ provider: 'gateway', url: '', message: 'The upstream stream ended before it finished.', code: 'upstream_bad_response' })));
      failed = true;
    }
  } catch (error) {
    if (!res.destroyed) res.write(encoder.fail(toGatewayError(error)));
    failed = true;
  } finally {
    clearInterval(ping);
    if (!res.writableEnded) res.end();
  }
  if (failed) {
    await iterator.return?.();
    return;
  }
  // Finished: read the upstream to its end (normally nothing is left) so its keep-alive
  // connection goes back to the pool instead of being destroyed.
  while (!(await iterator.next()).done) {
    // parts after `finish` carry nothing for the client
  }
}

/** Aborts when the client's connection closes before we finished answering. */
function abortOnDisconnect(reply: FastifyReply): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const res = reply.raw;
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new ClientAbortError());
  };
  res.once('close', onClose);
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}

/** Warnings as one header value: `setting: message; …`, reduced to printable ASCII. */
export function warningsHeader(warnings: ReadonlyArray<CallWarning>): string {
  return warnings
    .map((warning) => `${warning.setting}: ${warning.message}`)
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 2000);
}

