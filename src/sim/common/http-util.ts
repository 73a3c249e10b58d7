import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** Small helpers the simulators share: body reading, JSON parsing, abortable sleeping. */

export type BodyRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: 'too-large' | 'aborted' };

/** Reads the whole request body as UTF-8, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyRead): void => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering but keep draining, so we can still answer 413 on this connection.
        chunks.length = 0;
        finish({ ok: false, reason: 'too-large' });
        return;
      }
      if (!done) chunks.push(chunk);
    });
    req.on('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish({ ok: false, reason: 'aborted' }));
    req.on('close', () => finish({ ok: false, reason: 'aborted' }));
  });
}

export type JsonParse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly empty: boolean; readonly message: string };

/**
 * Parses JSON; on failure gives a message in the style of Go's encoding/json, which is what
 * Ollama returns verbatim (`invalid character 'x' looking for beginning of value`).
 */
export function parseJson(text: string): JsonParse {
  if (text.trim().length === 0) return { ok: false, empty: true, message: 'unexpected EOF' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, empty: false, message: goJsonError(text, error) };
  }
}

function goJsonError(text: string, error: unknown): string {
  const detail = error instanceof Error ? error.message : '';
  const first = text.trimStart().charAt(0);
  if (!/^[[{"tfn0-9-]$/.test(first)) return `invalid character '${first}' looking for beginning of value`;
  if (/end of (JSON )?input|Unexpected end/i.test(detail)) return 'unexpected EOF';
  const position = /position (\d+)/.exec(detail)?.[1];
  const ch = position === undefined ? first : text.charAt(Number(position)) || first;
  return `invalid character '${ch}' looking for beginning of value`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sleeps `ms`; resolves `false` early when `signal` aborts. Timers are the only waiting the sims
 * do, and every one of them must stop when the client leaves or the server closes.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    // Node timers may fire a fraction of a millisecond early by the monotonic clock; the sims
    // report durations from that clock, so a configured delay must never come out shorter.
    const wake = (): void => {
      const left = until - performance.now();
      if (left > 0) {
        timer = setTimeout(wake, Math.max(1, Math.ceil(left)));
        return;
      }
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    };
    timer = setTimeout(wake, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts (used by the `hang` fault). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Writes and waits until the data reached the socket (so a following destroy cannot lose it). */
export function writeFlushed(res: ServerResponse, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (data.length === 0 || res.destroyed) {
      resolve();
      return;
    }
    res.write(data, () => resolve());
  });
}

/** Waits for `drain` after a write returned false, or for the abort. */
export function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** RFC 3339 with nanosecond digits, as Go prints `time.Time` (Ollama's `created_at`). */
export function goTimestamp(date: Date = new Date()): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}Z`;
}
