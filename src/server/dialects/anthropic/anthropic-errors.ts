/**
 * GatewayError → Anthropic error shape `{type: "error", error: {type, message}, request_id}`
 * (PROTOCOLS §3.6, §4.8). Anthropic has no `code`/`param` fields: the message carries the param for
 * 400s (`messages.2.content: …`), and the status + `error.type` carry the rest.
 */
import type { GatewayError } from '../../../core/index.js';
import type { DialectErrorResponse } from '../dialect.js';
import { errorHeaders, errorStatus } from '../error-headers.js';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

/** Anthropic's status for an error: upstream overload is 529 (`overloaded_error`), as the real API sends it. */
export function anthropicErrorStatus(error: GatewayError): number {
  return error.code === 'upstream_overloaded' ? 529 : errorStatus(error);
}

/** The Anthropic `error.type` for an error. */
export function anthropicErrorType(error: GatewayError): AnthropicErrorType {
  if (error.code === 'upstream_overloaded') return 'overloaded_error';
  if (error.code === 'upstream_timeout') return 'timeout_error';
  switch (errorStatus(error)) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
  }
  // Anthropic uses invalid_request_error for every other 4xx and api_error for every other 5xx.
  return errorStatus(error) < 500 ? 'invalid_request_error' : 'api_error';
}

/** The error body; also the data of the in-band `event: error`. */
export function anthropicErrorBody(error: GatewayError, requestId: string | undefined): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: 'error', error: { type: anthropicErrorType(error), message: error.message } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/** The full HTTP error response for an Anthropic-dialect client. */
export function anthropicErrorResponse(error: GatewayError, requestId: string): DialectErrorResponse {
  return { status: anthropicErrorStatus(error), body: anthropicErrorBody(error, requestId), headers: errorHeaders(error) };
}
