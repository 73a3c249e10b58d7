import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, ProviderCallError, type ErrorCode } from '../../core/index.js';
import { parseRetryAfter } from './retry-after.js';

/** Which upstream call failed: the context every ProviderCallError carries. */
export interface UpstreamTarget {
  readonly provider: string;
  readonly url: string;
}

/** What a provider reads out of its own error body; anything left undefined falls back to the status rules. */
export interface UpstreamErrorDetails {
  readonly message?: string;
  readonly code?: ErrorCode;
  readonly isRetryable?: boolean;
}

/** Reads a provider's error JSON (`{"error":"…"}`, `{"error":{"message",…}}`, …). `json` is undefined when the body was not JSON. */
export type ErrorBodyReader = (json: unknown, status: number) => UpstreamErrorDetails;

/** Error bodies are kept for logs and the ledger, not for the client: a few KB is plenty. */
export const MAX_ERROR_BODY_CHARS = 4096;

/** undici error codes for "the upstream took too long" (not "could not connect"). */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Header values as one string each (undici gives arrays for repeated headers). undici makes a
 * fresh object per response; when every value is already one string (nearly always) that object
 * is returned as it is: copying an upstream's ~15 headers on every answer cost ~1 µs.
 */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  for (const name in headers) {
    if (typeof headers[name] !== 'string') return copyFlattened(headers);
  }
  return headers as Record<string, string>;
}

function copyFlattened(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * The message in the common error shapes: Ollama `{"error":"…"}`, OpenAI/Anthropic
 * `{"error":{"message":"…"}}`, FastAPI-style `{"detail":"…"}` (vLLM), bare `{"message":"…"}`.
 */
export function extractErrorMessage(json: unknown): string | undefined {
  if (!isRecord(json)) return undefined;
  const error = json['error'];
  if (typeof error === 'string' && error !== '') return error;
  if (isRecord(error) && typeof error['message'] === 'string' && error['message'] !== '') return error['message'];
  for (const key of ['message', 'detail']) {
    const value = json[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A typed error from a non-2xx upstream response. */
export function createUpstreamResponseError(init: {
  readonly target: UpstreamTarget;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
  readonly readErrorBody?: ErrorBodyReader;
  readonly now?: number;
}): ProviderCallError {
  const { target, status, headers, bodyText } = init;
  const json = tryParseJson(bodyText);
  const details = init.readErrorBody?.(json, status) ?? {};
  const upstreamMessage = details.message ?? extractErrorMessage(json) ?? (bodyText.trim().slice(0, 200) || 'no error body');
  return new ProviderCallError({
    provider: target.provider,
    url: target.url,
    status,
    headers,
    body: bodyText.slice(0, MAX_ERROR_BODY_CHARS),
    message: `${target.provider} responded ${status}: ${upstreamMessage}`,
    code: details.code,
    isRetryable: shouldRetryOverride(headers) ?? details.isRetryable,
    retryAfterSeconds: parseRetryAfter(headers, init.now),
  });
}

/** `x-should-retry: true|false` overrides the status rule, as in both official SDKs. */
function shouldRetryOverride(headers: Readonly<Record<string, string>>): boolean | undefined {
  const value = headers['x-should-retry'];
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * No response arrived (connection refused/reset, DNS, TLS, timeout). Callers check for *our*
 * abort before calling this: an abort is not an upstream failure.
 */
export function createTransportError(error: unknown, target: UpstreamTarget): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = errorCode(error);
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new ProviderCallError({
      provider: target.provider,
      url: target.url,
      code: 'upstream_timeout',
      isRetryable: true,
      message: `${target.provider} did not answer in time (${detail}).`,
      cause: error,
    });
  }
  return new ProviderCallError({
    provider: target.provider,
    url: target.url,
    message: `Could not reach ${target.provider} at ${target.url} (${detail}).`,
    cause: error,
  });
}

/**
 * A response started (status 200) but its body failed: cut connection, timeout between chunks.
 * Retryable as a whole request; whether that is still possible (no token sent yet) is execution's call.
 */
export function createStreamFailure(error: unknown, target: UpstreamTarget, status: number): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) return createTransportError(error, target);
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return createBadResponseError(target, `the response from ${target.provider} was cut off (${detail}).`, { status, cause: error });
}

/** The upstream answered something we cannot read: malformed JSON, wrong shape, a stream without its end. */
export function createBadResponseError(
  target: UpstreamTarget,
  message: string,
  extra: { readonly status?: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>>; readonly cause?: unknown } = {},
): ProviderCallError {
  return new ProviderCallError({
    provider: target.provider,
    url: target.url,
    status: extra.status,
    headers: extra.headers,
    body: extra.body?.slice(0, MAX_ERROR_BODY_CHARS),
    code: 'upstream_bad_response',
    // We report 502, and 5xx is retryable by the core rules; a proxy hiccup is the usual cause.
    isRetryable: true,
    message: message.charAt(0).toUpperCase() + message.slice(1),
    cause: extra.cause,
  });
}

/**
 * An error the upstream reported inside a 200 stream (`{"error":…}` line, `event: error`).
 * `upstreamStatus` stays the real HTTP status (200); the code says what kind of failure it was.
 */
export function createInBandError(
  target: UpstreamTarget,
  message: string,
  details: { readonly code?: ErrorCode; readonly isRetryable?: boolean; readonly raw?: string } = {},
): ProviderCallError {
  return new ProviderCallError({
    provider: target.provider,
    url: target.url,
    status: 200,
    code: details.code ?? 'upstream_error',
    isRetryable: details.isRetryable ?? true,
    body: details.raw?.slice(0, MAX_ERROR_BODY_CHARS),
    message: `${target.provider} failed mid-response: ${message}`,
  });
}

function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
