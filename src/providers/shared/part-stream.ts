import type { ChatStream, StreamPart } from '../../core/index.js';
import type { UpstreamBody } from './upstream-client.js';

/**
 * A ChatStream over a provider's part generator that always releases the upstream body,
 * including when the consumer calls `return()` before its first `next()` (an async generator
 * that never started skips its own `finally`, which would leak the connection).
 */
export function createPartStream(body: UpstreamBody, parts: AsyncGenerator<StreamPart, void>): ChatStream & AsyncIterableIterator<StreamPart> {
  let started = false;
  const stream: AsyncIterableIterator<StreamPart> = {
    next() {
      started = true;
      return parts.next();
    },
    return() {
      if (!started) body.destroy();
      return parts.return(undefined);
    },
    throw(error?: unknown) {
      if (!started) body.destroy();
      return parts.throw(error);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

/**
 * Lets go of an upstream body once a provider is done with it. After the final event the rest
 * (usually nothing but the chunked-encoding terminator) is drained so the keep-alive socket goes
 * back to the pool; anything else (consumer stopped early, failure) destroys it, which closes
 * the socket and makes the upstream stop generating: a token nobody reads is money burnt.
 */
export function releaseBody(body: UpstreamBody, completed: boolean): void {
  if (body.readableEnded || body.destroyed) return;
  if (completed) {
    body.dump({ limit: 64 * 1024 }).catch(() => undefined);
  } else {
    body.destroy();
  }
}
