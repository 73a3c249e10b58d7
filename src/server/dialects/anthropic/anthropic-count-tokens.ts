import type { ParsedChatRequest } from '../dialect.js';
import { parseWithSchema } from '../request-validation.js';
import { anthropicBaseRequestSchema, convertAnthropicRequest } from './anthropic-messages-request.js';

/**
 * Validates a `POST /v1/messages/count_tokens` body: the Messages body without `max_tokens` and
 * `stream` (ignored if sent). Throws InvalidRequestError. The result never streams.
 */
export function parseAnthropicCountTokensRequest(body: unknown): ParsedChatRequest {
  const req = parseWithSchema(anthropicBaseRequestSchema, body);
  return convertAnthropicRequest(req, undefined, false);
}
