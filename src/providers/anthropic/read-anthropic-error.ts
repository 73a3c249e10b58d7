import type { ErrorCode } from '../../core/index.js';

/**
 * An `event: error` inside a 200 stream (PROTOCOLS §3.5–3.6) has no status: its `error.type`
 * says what it was, with the same meaning as the status it would have had.
 */
export function describeAnthropicStreamError(type: string | null | undefined): { code: ErrorCode; isRetryable: boolean } {
  switch (type) {
    case 'overloaded_error':
      return { code: 'upstream_overloaded', isRetryable: true };
    case 'rate_limit_error':
      return { code: 'rate_limited', isRetryable: true };
    case 'timeout_error':
      return { code: 'upstream_timeout', isRetryable: true };
    case 'invalid_request_error':
      return { code: 'invalid_request', isRetryable: false };
    case 'request_too_large':
      return { code: 'payload_too_large', isRetryable: false };
    case 'authentication_error':
      return { code: 'authentication_failed', isRetryable: false };
    case 'permission_error':
    case 'billing_error':
      return { code: 'permission_denied', isRetryable: false };
    case 'not_found_error':
      return { code: 'model_not_found', isRetryable: false };
    default:
      // api_error and anything newer: a server-side failure.
      return { code: 'upstream_error', isRetryable: true };
  }
}
