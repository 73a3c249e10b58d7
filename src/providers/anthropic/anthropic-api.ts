import { z } from 'zod';
import { onRequestPath } from '../../validation/fast-parse.js';

/*
 * Anthropic Messages wire format (PROTOCOLS §3). Response schemas are loose: unknown block
 * types, delta types and events must be tolerated (the API adds them between versions).
 */

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

/** A prompt-cache breakpoint; `ephemeral` is the only type. Without `ttl` the API uses 5m. */
export type AnthropicCacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h' };
/** Spread into a block that may carry a breakpoint. */
type Cacheable = { cache_control?: AnthropicCacheControl };

export type AnthropicTextBlock = { type: 'text'; text: string } & Cacheable;
export type AnthropicImageBlock = { type: 'image'; source: AnthropicImageSource } & Cacheable;

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | ({ type: 'tool_use'; id: string; name: string; input: Record<string, unknown> } & Cacheable)
  | ({ type: 'tool_result'; tool_use_id: string; content?: string | Array<AnthropicTextBlock | AnthropicImageBlock>; is_error?: boolean } & Cacheable)
  | { type: 'thinking'; thinking: string; signature: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

export type AnthropicToolChoice =
  | { type: 'none' }
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface AnthropicRequest {
  model: string;
  /** Required by the API. */
  max_tokens: number;
  messages: AnthropicMessage[];
  /** A string, or text blocks when a cache breakpoint sits in the system prompt. */
  system?: string | AnthropicTextBlock[];
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown>; strict?: boolean } & Cacheable>;
  tool_choice?: AnthropicToolChoice;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  metadata?: { user_id: string };
  thinking?: { type: 'disabled' };
  output_config?: {
    effort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max';
    format?: { type: 'json_schema'; schema: Record<string, unknown> };
  };
  /** Automatic caching: the API puts the breakpoint on the last cacheable block. */
  cache_control?: AnthropicCacheControl;
}

export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().nullish() }).nullish(),
});

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/** Any content block; fields are read according to `type`. */
const contentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
  thinking: z.string().nullish(),
  signature: z.string().nullish(),
});

export type AnthropicResponseBlock = z.infer<typeof contentBlockSchema>;

export const anthropicResponseSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(contentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});

export const messageStartEventSchema = z.looseObject({
  message: z.looseObject({ id: z.string().nullish(), model: z.string().nullish(), usage: anthropicUsageSchema.nullish() }),
});

export const contentBlockStartEventSchema = z.looseObject({ index: z.number(), content_block: contentBlockSchema });

export const contentBlockDeltaEventSchema = z.looseObject({
  index: z.number(),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().nullish(),
    partial_json: z.string().nullish(),
    thinking: z.string().nullish(),
    signature: z.string().nullish(),
  }),
});

export const contentBlockStopEventSchema = z.looseObject({ index: z.number() });

export const messageDeltaEventSchema = z.looseObject({
  delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }).nullish(),
  usage: anthropicUsageSchema.nullish(),
});

export const anthropicErrorSchema = z.looseObject({ type: z.string().nullish(), message: z.string().nullish() });

export const errorEventSchema = z.looseObject({ error: anthropicErrorSchema.nullish() });

// Parsed on every request: compiled at start (validation/fast-parse).
onRequestPath({ anthropicResponseSchema, messageStartEventSchema, contentBlockStartEventSchema, contentBlockDeltaEventSchema, contentBlockStopEventSchema, messageDeltaEventSchema, errorEventSchema });

export const anthropicModelsResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), display_name: z.string().nullish(), created_at: z.string().nullish() })),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
});
