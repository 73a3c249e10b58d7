import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ollamaShowResponseSchema } from '../../providers/ollama/ollama-api.js';
import { architectureFromShow, parseParameterSize } from './architecture-from-show.js';

const fixture = ollamaShowResponseSchema.parse(JSON.parse(readFileSync(new URL('./__fixtures__/show-llama3.2.json', import.meta.url), 'utf8')));

describe('architectureFromShow', () => {
  it("reads the GGUF metadata of Ollama's /api/show", () => {
    expect(architectureFromShow(fixture)).toEqual({
      ok: true,
      architecture: { parameters: 3_212_749_888, layers: 28, kvHeads: 8, headDim: 128, contextLength: 131_072, kind: 'generate' },
      quantization: 'Q4_K_M',
      family: 'llama',
    });
  });

  it('derives the head size from embedding ÷ heads, takes the largest of per-layer KV heads, and the size label without a count', () => {
    const info = { ...fixture.model_info };
    delete info['llama.attention.key_length'];
    delete info['general.parameter_count'];
    info['llama.attention.head_count_kv'] = [8, 8, 4];
    const shown = architectureFromShow({ ...fixture, model_info: info });
    expect(shown).toMatchObject({ ok: true, architecture: { headDim: 3072 / 24, kvHeads: 8, parameters: 3_200_000_000 } });
  });

  it('says what is missing when the host does not give enough', () => {
    expect(architectureFromShow({ model_info: { 'general.architecture': 'qwen2', 'general.parameter_count': 7e9, 'qwen2.embedding_length': 3584 } })).toEqual({
      ok: false,
      reason: "the host's /api/show lacks qwen2.block_count, qwen2.attention.head_count_kv, qwen2.embedding_length / qwen2.attention.head_count",
    });
    expect(architectureFromShow({})).toMatchObject({ ok: false, reason: expect.stringMatching(/architecture/) });
  });

  it('marks an embedding-only model as an encoder', () => {
    const shown = architectureFromShow({ ...fixture, capabilities: ['embedding'] });
    expect(shown).toMatchObject({ ok: true, architecture: { kind: 'embedding' } });
  });
});

describe('parseParameterSize', () => {
  it('reads Ollama size labels', () => {
    expect(parseParameterSize('7.6B')).toBe(7_600_000_000);
    expect(parseParameterSize('137M')).toBe(137_000_000);
    expect(parseParameterSize('big')).toBeUndefined();
    expect(parseParameterSize(undefined)).toBeUndefined();
  });
});
