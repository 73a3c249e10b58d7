import { isRecord } from '../common/http-util.js';
import type { BodyPlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import type { SimRequest } from '../common/sim-server.js';
import { unitVector } from '../common/text-generator.js';
import { countTokens } from '../common/tokens.js';
import { openAIError } from './openai-errors.js';

/** `POST /v1/embeddings`: deterministic unit vectors, float or base64 (the SDK asks for base64 by default). */

const NATIVE_DIMS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export function isEmbeddingModel(model: string): boolean {
  return model.includes('embedding');
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number');
}

function toBase64(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buffer.writeFloatLE(x, i * 4));
  return buffer.toString('base64');
}

export function handleEmbeddings(req: SimRequest, models: ReadonlySet<string>): BodyPlan {
  const body = req.json.ok && isRecord(req.json.value) ? req.json.value : undefined;
  if (!body) return openAIError(400, { message: 'We could not parse the JSON body of your request.' });
  if (typeof body.model !== 'string' || body.model === '') return openAIError(400, { message: 'you must provide a model parameter' });
  if (!models.has(body.model)) {
    return openAIError(404, { message: `The model \`${body.model}\` does not exist or you do not have access to it.`, code: 'model_not_found' });
  }
  if (!isEmbeddingModel(body.model)) {
    return openAIError(400, { message: `This model does not support embeddings: ${body.model}`, param: 'model' });
  }
  const input = body.input;
  let texts: Array<{ key: string; tokens: number }>;
  const bad = (): BodyPlan => openAIError(400, { message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", param: 'input' });
  if (input === undefined) return openAIError(400, { message: "Missing required parameter: 'input'.", param: 'input', code: 'missing_required_parameter' });
  if (typeof input === 'string') {
    if (input === '') return bad();
    texts = [{ key: input, tokens: countTokens(input) }];
  } else if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string' && x !== '')) {
    texts = input.map((x) => ({ key: String(x), tokens: countTokens(String(x)) }));
  } else if (isTokenArray(input)) {
    texts = [{ key: input.join(','), tokens: input.length }];
  } else if (Array.isArray(input) && input.length > 0 && input.every(isTokenArray)) {
    texts = input.filter(isTokenArray).map((x) => ({ key: x.join(','), tokens: x.length }));
  } else {
    return bad();
  }
  if (texts.length > 2048) return openAIError(400, { message: "'$.input' is invalid: too many inputs (max 2048).", param: 'input' });

  const native = NATIVE_DIMS[body.model] ?? 1536;
  let dims = native;
  if (body.dimensions !== undefined) {
    if (typeof body.dimensions !== 'number' || body.dimensions < 1 || body.dimensions > native || body.model === 'text-embedding-ada-002') {
      return openAIError(400, { message: `Invalid value for 'dimensions' for model ${body.model}.`, param: 'dimensions' });
    }
    dims = body.dimensions;
  }
  const base64 = body.encoding_format === 'base64';
  const data = texts.map((t, index) => {
    const full = unitVector(`${body.model}\u0000${t.key}`, native).slice(0, dims);
    const norm = Math.sqrt(full.reduce((s, x) => s + x * x, 0)) || 1;
    const vector = full.map((x) => x / norm);
    return { object: 'embedding', index, embedding: base64 ? toBase64(vector) : vector };
  });
  const promptTokens = texts.reduce((n, t) => n + t.tokens, 0);
  return jsonPlan(200, { object: 'list', data, model: body.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
}
