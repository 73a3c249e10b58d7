import type { Dialect } from '../dialect.js';
import { anthropicErrorResponse } from './anthropic-errors.js';
import { parseAnthropicMessagesRequest } from './anthropic-messages-request.js';
import { anthropicMessagesResponse } from './anthropic-messages-response.js';
import { createAnthropicStreamEncoder } from './anthropic-stream-encoder.js';

export { parseAnthropicCountTokensRequest } from './anthropic-count-tokens.js';

/** The Anthropic Messages dialect (`POST /v1/messages`). */
export const anthropicDialect: Dialect = {
  name: 'anthropic',
  parseChatRequest: parseAnthropicMessagesRequest,
  chatResponse: anthropicMessagesResponse,
  createStreamEncoder: createAnthropicStreamEncoder,
  errorResponse: anthropicErrorResponse,
};
