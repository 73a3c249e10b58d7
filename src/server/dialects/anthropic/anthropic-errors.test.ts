import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  GatewayError,
  InternalError,
  InvalidRequestError,
  ModelNotFoundError,
  NoRouteError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProviderCallError,
  UnsupportedMediaTypeError,
} from '../../../core/index.js';
import { anthropicErrorResponse } from './anthropic-errors.js';

const upstream = (status: number | undefined) => new ProviderCallError({ provider: 'p', url: 'http://u', message: 'Upstream failed.', status, body: 'SECRET' });

describe('anthropicErrorResponse', () => {
  it.each<[string, GatewayError, number, string]>([
    ['invalid request', new InvalidRequestError('max_tokens: field required', { param: 'max_tokens' }), 400, 'invalid_request_error'],
    ['media type', new UnsupportedMediaTypeError('text/plain'), 415, 'invalid_request_error'],
    ['auth', new AuthenticationError(), 401, 'authentication_error'],
    ['billing', new GatewayError(402, 'budget_exceeded', 'Budget spent.', false), 402, 'billing_error'],
    ['permission', new PermissionDeniedError('No.'), 403, 'permission_error'],
    ['model not found', new ModelNotFoundError('claude-9'), 404, 'not_found_error'],
    ['too large', new PayloadTooLargeError(10), 413, 'request_too_large'],
    ['rate limit', new GatewayError(429, 'rate_limited', 'Slow down.', true), 429, 'rate_limit_error'],
    ['budget as 429', new GatewayError(429, 'budget_exceeded', 'Budget spent.', false), 429, 'rate_limit_error'],
    ['internal', new InternalError(), 500, 'api_error'],
    ['upstream 500', upstream(500), 502, 'api_error'],
    ['upstream unreachable', upstream(undefined), 502, 'api_error'],
    ['no route', new NoRouteError('No target.'), 503, 'api_error'],
    ['upstream overloaded → 529', upstream(503), 529, 'overloaded_error'],
    ['upstream 529 → 529', upstream(529), 529, 'overloaded_error'],
    ['upstream timeout', upstream(504), 504, 'timeout_error'],
  ])('%s → %i %s', (_name, error, status, type) => {
    const response = anthropicErrorResponse(error, 'req_1');
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ type: 'error', error: { type, message: error.message }, request_id: 'req_1' });
    expect(JSON.stringify(response)).not.toContain('SECRET');
  });

  it('retry headers', () => {
    expect(anthropicErrorResponse(new GatewayError(429, 'rate_limited', 'Slow down.', true, { retryAfterSeconds: 3 }), 'r').headers).toEqual({
      'retry-after': '3',
      'retry-after-ms': '3000',
    });
    expect(anthropicErrorResponse(new NoRouteError('none'), 'r').headers).toEqual({ 'x-should-retry': 'false' });
    expect(anthropicErrorResponse(upstream(529), 'r').headers).toEqual({});
  });
});
