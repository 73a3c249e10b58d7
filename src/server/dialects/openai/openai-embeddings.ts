/**
 * OpenAI embeddings (`POST /v1/embeddings`, PROTOCOLS §2.8): request validation and the response body.
 * Token-array inputs are refused: the gateway routes to models with different tokenizers, so token
 * ids have no common meaning.
 */
import { z } from 'zod';
import type { EmbedResult } from '../../../core/index.js';
import { invalidParam, parseWithSchema } from '../request-validation.js';
import { onRequestPath } from '../../../validation/fast-parse.js';

/** OpenAI's own per-request limit on inputs. */
const MAX_INPUTS = 2048;

const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.union([z.string(), z.number(), z.array(z.number())]))], {
    error: 'expected string or array of strings',
  }),
  dimensions: z.number().int().min(1).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().nullish(),
});

// Parsed on every request: compiled at start (validation/fast-parse).
onRequestPath({ embeddingsRequestSchema });

/** A validated embeddings request. */
export interface ParsedEmbeddingsRequest {
  readonly model: string;
  readonly input: string[];
  readonly dimensions?: number;
  /** `float` unless the client asked for `base64` (the openai SDK does by default, then decodes). */
  readonly encodingFormat: 'float' | 'base64';
}

/** Validates an OpenAI embeddings request body. Throws InvalidRequestError. */
export function parseOpenAIEmbeddingsRequest(body: unknown): ParsedEmbeddingsRequest {
  const req = parseWithSchema(embeddingsRequestSchema, body);
  const raw = typeof req.input === 'string' ? [req.input] : req.input;
  if (raw.length === 0) throw invalidParam('input', 'expected at least 1 input');
  if (raw.length > MAX_INPUTS) throw invalidParam('input', `expected at most ${MAX_INPUTS} inputs, got ${raw.length}`);
  const input: string[] = [];
  raw.forEach((item, i) => {
    const param = typeof req.input === 'string' ? 'input' : `input.${i}`;
    if (typeof item !== 'string') throw invalidParam(param, 'token arrays are not supported by this gateway; send strings');
    // OpenAI rejects empty strings too; an empty input has no embedding.
    if (item === '') throw invalidParam(param, 'expected a non-empty string');
    input.push(item);
  });
  const parsed: ParsedEmbeddingsRequest = { model: req.model, input, encodingFormat: req.encoding_format ?? 'float' };
  return req.dimensions == null ? parsed : { ...parsed, dimensions: req.dimensions };
}

export interface OpenAIEmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/**
 * Builds the embeddings response body. With `encodingFormat: 'base64'` each vector is the base64 of
 * its little-endian float32 bytes, as OpenAI sends it.
 */
export function openAIEmbeddingsResponse(
  result: EmbedResult,
  ctx: { readonly model: string; readonly encodingFormat?: 'float' | 'base64' },
): OpenAIEmbeddingsResponse {
  const base64 = ctx.encodingFormat === 'base64';
  const tokens = result.usage.inputTokens ?? 0;
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? float32Base64(vector) : vector,
    })),
    model: ctx.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function float32Base64(vector: ReadonlyArray<number>): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] ?? 0, i * 4);
  return bytes.toString('base64');
}
