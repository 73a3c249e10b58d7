import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../core/index.js';
import { openAIEmbeddingsResponse, parseOpenAIEmbeddingsRequest } from './openai-embeddings.js';

function rejection(body: unknown): InvalidRequestError {
  try {
    parseOpenAIEmbeddingsRequest(body);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('parseOpenAIEmbeddingsRequest', () => {
  it('string or string array; float by default; dimensions kept', () => {
    expect(parseOpenAIEmbeddingsRequest({ model: 'e', input: 'hello' })).toEqual({ model: 'e', input: ['hello'], encodingFormat: 'float' });
    expect(parseOpenAIEmbeddingsRequest({ model: 'e', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64', user: 'u' })).toEqual({
      model: 'e',
      input: ['a', 'b'],
      dimensions: 256,
      encodingFormat: 'base64',
    });
  });

  it.each<[string, unknown, string, string]>([
    ['token array', { model: 'e', input: [1, 2, 3] }, 'input.0', 'token arrays are not supported'],
    ['token arrays', { model: 'e', input: [[1, 2]] }, 'input.0', 'token arrays are not supported'],
    ['empty string', { model: 'e', input: '' }, 'input', 'non-empty'],
    ['empty item', { model: 'e', input: ['a', ''] }, 'input.1', 'non-empty'],
    ['empty list', { model: 'e', input: [] }, 'input', 'at least 1'],
    ['too many', { model: 'e', input: Array.from({ length: 2049 }, () => 'a') }, 'input', 'at most 2048'],
    ['input object', { model: 'e', input: { a: 1 } }, 'input', 'expected string or array of strings'],
    ['missing input', { model: 'e' }, 'input', 'field required'],
    ['bad format', { model: 'e', input: 'a', encoding_format: 'hex' }, 'encoding_format', "got 'hex'"],
    ['dimensions 0', { model: 'e', input: 'a', dimensions: 0 }, 'dimensions', '>= 1'],
  ])('%s → 400', (_name, body, param, message) => {
    const error = rejection(body);
    expect(error.param).toBe(param);
    expect(error.message).toContain(message);
  });
});

describe('openAIEmbeddingsResponse', () => {
  const result = { embeddings: [[0.5, -1], [2, 0.25]], usage: { inputTokens: 4 } };

  it('float lists', () => {
    expect(openAIEmbeddingsResponse(result, { model: 'alias' })).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, -1] },
        { object: 'embedding', index: 1, embedding: [2, 0.25] },
      ],
      model: 'alias',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it('base64 of little-endian float32', () => {
    const body = openAIEmbeddingsResponse(result, { model: 'alias', encodingFormat: 'base64' });
    const bytes = Buffer.from(String(body.data[0]?.embedding), 'base64');
    expect(bytes).toHaveLength(8);
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.5, -1]);
  });

  it('unknown token usage is 0', () => {
    expect(openAIEmbeddingsResponse({ embeddings: [], usage: {} }, { model: 'a' }).usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });
});
