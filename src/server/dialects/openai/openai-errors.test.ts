import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ClientAbortError,
  GatewayError,
  InternalError,
  InvalidRequestError,
  ModelNotFoundError,
  NoRouteError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProviderCallError,
  UnsupportedMediaTypeError,
} from '../../../core/index.js';
import { openAIErrorResponse } from './openai-errors.js';

const upstream = (status: number | undefined) => new ProviderCallError({ provider: 'p', url: 'http://u', message: 'Upstream failed.', status, body: 'SECRET upstream body' });

describe('openAIErrorResponse', () => {
  it.each<[string, GatewayError, number, string, string]>([
    ['invalid request', new InvalidRequestError('messages.0.content: bad', { param: 'messages.0.content' }), 400, 'invalid_request_error', 'invalid_request'],
    ['invalid json', new InvalidRequestError('Bad JSON.', { code: 'invalid_json' }), 400, 'invalid_request_error', 'invalid_json'],
    ['model not found', new ModelNotFoundError('gpt-9'), 404, 'invalid_request_error', 'model_not_found'],
    ['not found', new NotFoundError('No such route.'), 404, 'invalid_request_error', 'not_found'],
    ['too large', new PayloadTooLargeError(1024), 413, 'invalid_request_error', 'payload_too_large'],
    ['media type', new UnsupportedMediaTypeError('text/plain'), 415, 'invalid_request_error', 'unsupported_media_type'],
    ['auth', new AuthenticationError(), 401, 'authentication_error', 'authentication_failed'],
    ['permission', new PermissionDeniedError('No.'), 403, 'permission_error', 'permission_denied'],
    ['rate limit', new GatewayError(429, 'rate_limited', 'Slow down.', true, { retryAfterSeconds: 2 }), 429, 'rate_limit_error', 'rate_limited'],
    ['budget', new GatewayError(429, 'budget_exceeded', 'Budget spent.', false), 429, 'insufficient_quota', 'budget_exceeded'],
    ['no route', new NoRouteError('No target.'), 503, 'server_error', 'no_route'],
    ['internal', new InternalError(), 500, 'server_error', 'internal_error'],
    ['upstream 500', upstream(500), 502, 'server_error', 'upstream_error'],
    ['upstream overloaded', upstream(529), 503, 'server_error', 'upstream_overloaded'],
    ['upstream timeout', upstream(504), 504, 'server_error', 'upstream_timeout'],
    ['upstream unreachable', upstream(undefined), 502, 'server_error', 'upstream_unreachable'],
    ['upstream 400', upstream(400), 400, 'invalid_request_error', 'invalid_request'],
    ['client gone', new ClientAbortError(), 499, 'invalid_request_error', 'client_aborted'],
  ])('%s → %i %s', (_name, error, status, type, code) => {
    const response = openAIErrorResponse(error, 'req1');
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { message: error.message, type, param: error.param ?? null, code } });
    expect(JSON.stringify(response)).not.toContain('SECRET');
  });

  it('retry headers: retry-after when known; x-should-retry false when a retry cannot help', () => {
    expect(openAIErrorResponse(new GatewayError(429, 'rate_limited', 'Slow down.', true, { retryAfterSeconds: 1.5 }), 'r').headers).toEqual({
      'retry-after': '2',
      'retry-after-ms': '1500',
    });
    expect(openAIErrorResponse(new GatewayError(429, 'budget_exceeded', 'Spent.', false), 'r').headers).toEqual({ 'x-should-retry': 'false' });
    expect(openAIErrorResponse(new NoRouteError('none'), 'r').headers).toEqual({ 'x-should-retry': 'false' });
    expect(openAIErrorResponse(new InvalidRequestError('bad'), 'r').headers).toEqual({ 'x-should-retry': 'false' });
    expect(openAIErrorResponse(upstream(503), 'r').headers).toEqual({});
  });

  it('a status outside 4xx/5xx becomes 500', () => {
    expect(openAIErrorResponse(new GatewayError(200, 'internal_error', 'odd', false), 'r').status).toBe(500);
  });
});
