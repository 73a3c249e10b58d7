import type { BodyPlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';

/** Anthropic's error body: `{"type":"error","error":{"type","message"},"request_id"}`, type by status. */

export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
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
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'invalid x-api-key';
    case 402:
      return 'Your credit balance is too low to access the Anthropic API.';
    case 403:
      return 'Your API key does not have permission to use the specified resource.';
    case 404:
      return 'Not found';
    case 413:
      return 'Request exceeds the maximum allowed number of bytes.';
    case 429:
      return 'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.';
    case 500:
      return 'Internal server error';
    case 504:
      return 'Request timed out';
    case 529:
      return 'Overloaded';
    default:
      return status >= 500 ? 'Internal server error' : 'Invalid request';
  }
}

export function anthropicErrorBody(status: number, requestId: string, message?: string): Record<string, unknown> {
  return { type: 'error', error: { type: anthropicErrorType(status), message: message ?? defaultMessage(status) }, request_id: requestId };
}

export function anthropicError(status: number, requestId: string, message?: string, retryAfterSeconds?: number): BodyPlan {
  const headers = retryAfterSeconds === undefined ? undefined : { 'retry-after': String(retryAfterSeconds) };
  return jsonPlan(status, anthropicErrorBody(status, requestId, message), headers);
}
