import {
  GatewayError,
  InternalError,
  InvalidRequestError,
  PayloadTooLargeError,
  toGatewayError,
} from '../core/index.js';

/**
 * Turns anything thrown while serving a request into a GatewayError. Fastify's own errors
 * (body too large, bad content type) carry a statusCode; everything unknown becomes a 500 whose
 * message says nothing about our internals.
 */
export function normaliseError(error: unknown, bodyLimit: number): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('FST_')) {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new PayloadTooLargeError(bodyLimit);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new InvalidRequestError('The request body is empty; send a JSON object.', { code: 'invalid_json' });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new InvalidRequestError('The Content-Length header does not match the body.');
      default:
        if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
          return new InvalidRequestError(error.message);
        }
        return new InternalError();
    }
  }
  return toGatewayError(error);
}
