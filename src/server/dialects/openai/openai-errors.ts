/**
 * GatewayError → OpenAI error shape `{error: {message, type, param, code}}` (PROTOCOLS §2.6, §4.8).
 * `type` is the OpenAI error family clients know; `code` is our stable ErrorCode (`model_not_found`,
 * `budget_exceeded`, …) so a client can branch on it.
 */
import type { GatewayError } from '../../../core/index.js';
import type { DialectErrorResponse } from '../dialect.js';
import { errorHeaders, errorStatus } from '../error-headers.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** The OpenAI `error.type` for an error. */
export function openAIErrorType(error: GatewayError): string {
  // OpenAI's own type for an exhausted quota; clients show it as "out of credit", not "slow down".
  if (error.code === 'budget_exceeded') return 'insufficient_quota';
  const status = errorStatus(error);
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  // 400, 404 (OpenAI reports an unknown model as invalid_request_error), 409, 413, 415, 422, …
  return 'invalid_request_error';
}

/** The `{error: …}` object, also used as the in-band stream error. */
export function openAIErrorBody(error: GatewayError): OpenAIErrorBody {
  return {
    error: { message: error.message, type: openAIErrorType(error), param: error.param ?? null, code: error.code },
  };
}

/** The full HTTP error response for an OpenAI-dialect client. */
export function openAIErrorResponse(error: GatewayError, _requestId: string): DialectErrorResponse {
  return { status: errorStatus(error), body: openAIErrorBody(error), headers: errorHeaders(error) };
}
