import { z } from 'zod';
import { onRequestPath } from '../../validation/fast-parse.js';

/*
 * Ollama's native wire format (PROTOCOLS §1). Response schemas are loose: unknown fields pass
 * through untouched (kept in `raw`), and every field a server version might omit is optional.
 * Request types are plain TypeScript: we build them, nobody else does.
 */

export interface OllamaToolCall {
  readonly id?: string;
  readonly function: { readonly name: string; readonly arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  readonly images?: string[];
  readonly thinking?: string;
  readonly tool_calls?: OllamaToolCall[];
  readonly tool_name?: string;
  readonly tool_call_id?: string;
}

export interface OllamaTool {
  readonly type: 'function';
  readonly function: { readonly name: string; readonly description?: string; readonly parameters: Record<string, unknown> };
}

export interface OllamaOptions {
  num_predict?: number;
  num_ctx?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
  stop?: string[];
  frequency_penalty?: number;
  presence_penalty?: number;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  /** Always sent: Ollama defaults to streaming. */
  stream: boolean;
  tools?: OllamaTool[];
  format?: 'json' | Record<string, unknown>;
  options?: OllamaOptions;
  keep_alive?: string | number;
  think?: boolean | 'low' | 'medium' | 'high' | 'max';
}

const ollamaToolCallSchema = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({
    index: z.number().optional(),
    name: z.string(),
    // An object on the wire; tolerate a JSON string from odd servers rather than failing the call.
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  }),
});

export type OllamaResponseToolCall = z.infer<typeof ollamaToolCallSchema>;

/** One NDJSON line of a streamed chat, or the whole non-streamed answer (same shape, §1.5–1.6). */
export const ollamaChatResponseSchema = z.looseObject({
  model: z.string().optional(),
  created_at: z.string().optional(),
  message: z
    .looseObject({
      role: z.string().optional(),
      content: z.string().nullish(),
      thinking: z.string().nullish(),
      tool_calls: z.array(ollamaToolCallSchema).nullish(),
    })
    .optional(),
  done: z.boolean().optional(),
  done_reason: z.string().optional(),
  total_duration: z.number().optional(),
  load_duration: z.number().optional(),
  prompt_eval_count: z.number().optional(),
  prompt_eval_duration: z.number().optional(),
  eval_count: z.number().optional(),
  eval_duration: z.number().optional(),
  /** Mid-stream failure (§1.8): the server writes one `{"error":"…"}` line and closes. */
  error: z.string().optional(),
});

export type OllamaChatResponse = z.infer<typeof ollamaChatResponseSchema>;

export const ollamaEmbedResponseSchema = z.looseObject({
  model: z.string().optional(),
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: z.number().optional(),
});

// Parsed on every request: compiled at start (validation/fast-parse).
onRequestPath({ ollamaChatResponseSchema, ollamaEmbedResponseSchema });

export const ollamaTagsResponseSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      name: z.string(),
      model: z.string().optional(),
      modified_at: z.string().optional(),
      size: z.number().optional(),
      details: z
        .looseObject({
          family: z.string().optional(),
          parameter_size: z.string().optional(),
          quantization_level: z.string().optional(),
        })
        .nullish(),
    }),
  ),
});

export const ollamaVersionResponseSchema = z.looseObject({ version: z.string() });

/** `/api/ps`: the models resident right now, with the memory each holds on the GPU. */
export const ollamaPsResponseSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        model: z.string().optional(),
        size: z.number().optional(),
        size_vram: z.number().optional(),
        /** RFC 3339; when the model will be unloaded (a far-future date when it never is). */
        expires_at: z.string().optional(),
      }),
    )
    .nullish(),
});

/**
 * `/api/show`: `details` as in /api/tags, and `model_info` with the GGUF metadata keys
 * (`general.parameter_count`, `<arch>.block_count`, `<arch>.attention.head_count_kv`, …). Values
 * vary by architecture (a per-layer array for some), so model_info is a plain record.
 */
export const ollamaShowResponseSchema = z.looseObject({
  details: z
    .looseObject({
      family: z.string().optional(),
      parameter_size: z.string().optional(),
      quantization_level: z.string().optional(),
    })
    .nullish(),
  model_info: z.record(z.string(), z.unknown()).nullish(),
  capabilities: z.array(z.string()).nullish(),
});

export type OllamaShowResponse = z.infer<typeof ollamaShowResponseSchema>;

/**
 * One NDJSON line of `/api/pull` (PROTOCOLS §1.7): `{"status"}`, per layer `{"status","digest",
 * "total","completed"}` (`completed` absent while 0), finally `{"status":"success"}`; a failure
 * after the stream started is one `{"error":"…"}` line.
 */
export const ollamaPullProgressSchema = z.looseObject({
  status: z.string().optional(),
  digest: z.string().optional(),
  total: z.number().optional(),
  completed: z.number().optional(),
  error: z.string().optional(),
});

export type OllamaPullProgress = z.infer<typeof ollamaPullProgressSchema>;
