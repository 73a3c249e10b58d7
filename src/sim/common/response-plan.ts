import type { OutgoingHttpHeaders } from 'node:http';

/**
 * What a service handler wants to send, described rather than written, so that one writer can
 * apply pacing (first-token latency, tokens/s) and delivery faults (latency, trickle, drop, in-band
 * error) the same way for all three services.
 */

/** Clock readings (performance.now(), ms) the writer hands to lazily rendered parts. */
export interface Timing {
  /** When the request arrived. */
  readonly start: number;
  /** When the first generated token went out (or would have, for non-streaming answers). */
  readonly firstTokenAt: number;
  /** When generation ended. */
  readonly endAt: number;
}

/** A whole response body (JSON or text). */
export interface BodyPlan {
  readonly kind: 'body';
  readonly status: number;
  readonly headers?: OutgoingHttpHeaders;
  readonly contentType: string;
  /** A function when the body reports timings (Ollama durations). */
  readonly body: string | ((timing: Timing) => string);
  /** Tokens generated to produce it: the writer first waits first-token latency + tokens / speed. */
  readonly generatedTokens?: number;
}

/** One wire frame (NDJSON line, SSE event) of a streamed answer. */
export interface StreamFrame {
  readonly data: string;
  /** Generation time this frame represents, in tokens; 0 = goes out together with the next frame. */
  readonly tokens: number;
}

export interface StreamPlan {
  readonly kind: 'stream';
  readonly status?: number;
  readonly headers?: OutgoingHttpHeaders;
  readonly contentType: string;
  /**
   * Send the headers and prelude before generation starts (OpenAI, Anthropic). Ollama writes
   * nothing until its first token, so its headers come with the first frame.
   */
  readonly headersEarly: boolean;
  /** Frames sent at once (Anthropic message_start, ping; pull progress). */
  readonly prelude: readonly string[];
  /** Generated frames, paced by first-token latency and tokens/s. */
  readonly body: readonly StreamFrame[];
  /** Closing frames, rendered when generation ends (they report usage and durations). */
  readonly finish: (timing: Timing) => readonly string[];
}

export type ResponsePlan = BodyPlan | StreamPlan;

export function jsonPlan(status: number, value: unknown, headers?: OutgoingHttpHeaders): BodyPlan {
  return { kind: 'body', status, headers, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

export function textPlan(status: number, text: string, contentType = 'text/plain; charset=utf-8'): BodyPlan {
  return { kind: 'body', status, contentType, body: text };
}
