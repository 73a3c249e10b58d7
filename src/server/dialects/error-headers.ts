import type { GatewayError } from '../../core/index.js';

/**
 * Headers that tell the official SDKs how to retry (PROTOCOLS §2.9, §3.8, §4.8):
 * - `retry-after` (whole seconds) and `retry-after-ms` when we know how long to wait; both SDKs
 *   honour values up to 60 s.
 * - `x-should-retry: false` for errors a retry cannot fix (budget exhausted, no route, bad
 *   requests): the SDKs otherwise retry 408/409/429/5xx twice on their own, tripling the load we
 *   just refused. Retryable errors get no header, so the SDKs' own status rules apply.
 */
export function errorHeaders(error: GatewayError): Record<string, string> {
  const headers: Record<string, string> = {};
  const seconds = error.retryAfterSeconds;
  if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) {
    headers['retry-after'] = String(Math.ceil(seconds));
    headers['retry-after-ms'] = String(Math.round(seconds * 1000));
  }
  if (!error.isRetryable) headers['x-should-retry'] = 'false';
  return headers;
}

/** The HTTP status to send: the error's own, or 500 if it is not an error status. */
export function errorStatus(error: GatewayError): number {
  return Number.isInteger(error.status) && error.status >= 400 && error.status <= 599 ? error.status : 500;
}
