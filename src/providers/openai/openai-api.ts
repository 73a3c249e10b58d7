import { z } from 'zod';
import { onRequestPath } from '../../validation/fast-parse.js';

/*
 * OpenAI Chat Completions wire format (PROTOCOLS §2), also spoken by vLLM, llama.cpp server,
 * LM Studio and Ollama's /v1. Response schemas are loose and forgiving: compatible servers omit
 * ids, usage or detail objects, and send `null` where OpenAI omits.
 */

export type OpenAIContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  tools?: Array<{
    type: 'function';
    function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
  }>;
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  response_format?:
    | { type: 'text' }
    | { type: 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  max_completion_tokens?: number;
  /** Only for compatible servers: several (Ollama /v1 among them) ignore max_completion_tokens. */
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  /** Not an OpenAI field; vLLM, llama.cpp and LM Studio accept it. Sent to compatible servers only. */
  top_k?: number;
  stop?: string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  reasoning_effort?: string;
  user?: string;
}

export const openAIUsageSchema = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z
    .looseObject({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() })
    .nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

const responseToolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string(), arguments: z.string().nullish() }),
});

export const openAIChatResponseSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        message: z.looseObject({
          role: z.string().nullish(),
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          /** vLLM / DeepSeek style reasoning text. */
          reasoning_content: z.string().nullish(),
          /** Ollama /v1 style reasoning text. */
          reasoning: z.string().nullish(),
          tool_calls: z.array(responseToolCallSchema).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: openAIUsageSchema.nullish(),
});

export const openAIChunkSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        delta: z
          .looseObject({
            role: z.string().nullish(),
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().nullish(),
                  id: z.string().nullish(),
                  type: z.string().nullish(),
                  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: openAIUsageSchema.nullish(),
});

export type OpenAIChunk = z.infer<typeof openAIChunkSchema>;

export const openAIEmbeddingResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ index: z.number().nullish(), embedding: z.array(z.number()) })),
  model: z.string().nullish(),
  usage: z.looseObject({ prompt_tokens: z.number().nullish() }).nullish(),
});

// Parsed on every request: compiled at start (validation/fast-parse).
onRequestPath({ openAIChatResponseSchema, openAIChunkSchema, openAIEmbeddingResponseSchema });

export const openAIModelsResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), created: z.number().nullish(), owned_by: z.string().nullish() })),
});

/** The error object of `{"error":{…}}` bodies and in-stream `data: {"error":…}` events. */
export const openAIErrorSchema = z.looseObject({
  message: z.string().nullish(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
  param: z.string().nullish(),
});
