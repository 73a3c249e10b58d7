import type { ErrorCode } from '../../core/index.js';
import { isRecord, type ErrorBodyReader, type UpstreamErrorDetails } from '../shared/upstream-error.js';
import { openAIErrorSchema } from './openai-api.js';

/**
 * `{"error":{"message","type","param","code"}}` (PROTOCOLS §2.6). The status decides the code;
 * the body refines it where the status misleads: `insufficient_quota` is a 429 that no retry fixes.
 */
export const readOpenAIError: ErrorBodyReader = (json) => {
  const error = isRecord(json) ? json['error'] : undefined;
  const parsed = openAIErrorSchema.safeParse(error);
  if (!parsed.success) return {};
  const { message, type, code } = parsed.data;
  const details: UpstreamErrorDetails = message ? { message } : {};
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return { ...details, isRetryable: false };
  return details;
};

/** An error sent inside a 200 stream (`data: {"error":{…}}`, §2.5): no status, so the type/code says what it was. */
export function describeOpenAIStreamError(error: unknown): { message: string; code: ErrorCode; isRetryable: boolean } {
  const parsed = openAIErrorSchema.safeParse(error);
  const fields = parsed.success ? parsed.data : {};
  const message = fields.message ?? (typeof error === 'string' ? error : 'unknown error');
  const kind = String(fields.code ?? fields.type ?? '');
  if (kind === 'insufficient_quota') return { message, code: 'rate_limited', isRetryable: false };
  if (kind.includes('rate_limit')) return { message, code: 'rate_limited', isRetryable: true };
  if (kind.includes('overloaded')) return { message, code: 'upstream_overloaded', isRetryable: true };
  if (fields.type === 'invalid_request_error') return { message, code: 'invalid_request', isRetryable: false };
  return { message, code: 'upstream_error', isRetryable: true };
}
