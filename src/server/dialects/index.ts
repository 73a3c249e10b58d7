/** The client-facing dialects: pure translation between client JSON and the canonical types. */
export type { Dialect, DialectErrorResponse, ParsedChatRequest, ResponseContext, StreamEncoder } from './dialect.js';
export { openAIDialect, parseOpenAIEmbeddingsRequest, openAIEmbeddingsResponse } from './openai/openai-dialect.js';
export type { ParsedEmbeddingsRequest, OpenAIEmbeddingsResponse } from './openai/openai-dialect.js';
export { anthropicDialect, parseAnthropicCountTokensRequest } from './anthropic/anthropic-dialect.js';
