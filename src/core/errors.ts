/**
 * The error catalogue. Every failure the gateway reports is one of these classes, with a stable
 * `code`. Retry and fallback decide from `isRetryable`; the HTTP layer maps `status`/`code` to the
 * client's dialect in one place (server/errors). Nothing here knows about HTTP frameworks.
 */

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'model_not_found'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'authentication_failed'
  | 'permission_denied'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'no_route'
  | 'upstream_error'
  | 'upstream_overloaded'
  | 'upstream_timeout'
  | 'upstream_unreachable'
  | 'upstream_bad_response'
  | 'client_aborted'
  | 'internal_error';

export interface GatewayErrorOptions {
  /** The request field at fault, dotted (`messages.2.content`). */
  readonly param?: string;
  readonly cause?: unknown;
  /** Seconds the client should wait before retrying, when we know. */
  readonly retryAfterSeconds?: number;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly isRetryable: boolean;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: ErrorCode, message: string, isRetryable: boolean, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.isRetryable = isRetryable;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The client sent something we cannot accept (400). */
export class InvalidRequestError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions & { code?: 'invalid_request' | 'invalid_json' } = {}) {
    super(400, options.code ?? 'invalid_request', message, false, options);
  }
}

export class ModelNotFoundError extends GatewayError {
  readonly model: string;
  constructor(model: string, message = `The model '${model}' does not exist or is not configured.`) {
    super(404, 'model_not_found', message, false, { param: 'model' });
    this.model = model;
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(404, 'not_found', message, false);
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `Request body is larger than the limit of ${limitBytes} bytes.`, false);
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  constructor(contentType: string) {
    super(415, 'unsupported_media_type', `Content-Type '${contentType}' is not supported; send application/json.`, false);
  }
}

export class AuthenticationError extends GatewayError {
  constructor(message = 'Missing or invalid API key.') {
    super(401, 'authentication_failed', message, false);
  }
}

export class PermissionDeniedError extends GatewayError {
  constructor(message: string) {
    super(403, 'permission_denied', message, false);
  }
}

export class NoRouteError extends GatewayError {
  constructor(message: string) {
    super(503, 'no_route', message, false);
  }
}

export class InternalError extends GatewayError {
  constructor(message = 'Internal gateway error.', options: GatewayErrorOptions = {}) {
    super(500, 'internal_error', message, false, options);
  }
}

/** The client went away; nobody will read the answer. */
export class ClientAbortError extends GatewayError {
  constructor() {
    super(499, 'client_aborted', 'The client closed the connection.', false);
  }
}

/** Retryable statuses, as both official SDKs and STYLE.md define them. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export interface ProviderCallErrorInit {
  readonly provider: string;
  readonly url: string;
  readonly message: string;
  /** Upstream HTTP status; undefined when no response arrived (connection refused, reset, timeout). */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The upstream body text (truncated), for the ledger and logs, never for the client verbatim. */
  readonly body?: string;
  readonly code?: ErrorCode;
  readonly isRetryable?: boolean;
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

/**
 * An upstream call failed. `status` (the HTTP status we report to our client) is derived from
 * the upstream's status; the upstream's own is kept in `upstreamStatus`.
 */
export class ProviderCallError extends GatewayError {
  readonly provider: string;
  readonly url: string;
  readonly upstreamStatus: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;

  constructor(init: ProviderCallErrorInit) {
    const code = init.code ?? codeForUpstreamStatus(init.status);
    super(
      statusForUpstream(init.status, code),
      code,
      init.message,
      init.isRetryable ?? (init.status === undefined ? true : isRetryableStatus(init.status)),
      { cause: init.cause, retryAfterSeconds: init.retryAfterSeconds },
    );
    this.provider = init.provider;
    this.url = init.url;
    this.upstreamStatus = init.status;
    this.headers = init.headers ?? {};
    this.body = init.body;
  }
}

function codeForUpstreamStatus(status: number | undefined): ErrorCode {
  if (status === undefined) return 'upstream_unreachable';
  if (status === 404) return 'model_not_found';
  if (status === 401) return 'authentication_failed';
  if (status === 403) return 'permission_denied';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'upstream_timeout';
  if (status === 503 || status === 529) return 'upstream_overloaded';
  if (status >= 400 && status < 500) return 'invalid_request';
  return 'upstream_error';
}

function statusForUpstream(status: number | undefined, code: ErrorCode): number {
  switch (code) {
    case 'upstream_unreachable':
    case 'upstream_bad_response':
      return 502;
    case 'upstream_timeout':
      return 504;
    case 'upstream_overloaded':
      return 503;
    case 'upstream_error':
      return 502;
    case 'authentication_failed':
      // The upstream rejected *our* credentials: the client's request is fine, the gateway is misconfigured.
      return 502;
    default:
      return status !== undefined && status >= 400 && status < 500 ? status : 502;
  }
}

/** Normalise anything thrown into a GatewayError, keeping the original as `cause`. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new InternalError('Internal gateway error.', { cause: error });
}
