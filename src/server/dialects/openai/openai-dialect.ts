import type { Dialect } from '../dialect.js';
import { parseOpenAIChatRequest } from './openai-chat-request.js';
import { openAIChatResponse } from './openai-chat-response.js';
import { openAIErrorResponse } from './openai-errors.js';
import { createOpenAIStreamEncoder } from './openai-stream-encoder.js';

export { parseOpenAIEmbeddingsRequest, openAIEmbeddingsResponse } from './openai-embeddings.js';
export type { ParsedEmbeddingsRequest, OpenAIEmbeddingsResponse } from './openai-embeddings.js';

/** The OpenAI Chat Completions dialect (`POST /v1/chat/completions`). */
export const openAIDialect: Dialect = {
  name: 'openai',
  parseChatRequest: parseOpenAIChatRequest,
  chatResponse: openAIChatResponse,
  createStreamEncoder: createOpenAIStreamEncoder,
  errorResponse: openAIErrorResponse,
};
