import { describe, expect, it } from 'vitest';
import { BYTES_PER_GB, estimateModelMemory, estimateTokensPerSecond, type ModelArchitecture } from './estimate-model-memory.js';

const qwen7b: ModelArchitecture = { parameters: 7_615_616_512, layers: 28, kvHeads: 4, headDim: 128, contextLength: 32_768, kind: 'generate' };
const overheadBytes = 0.75 * BYTES_PER_GB; // 805,306,368

describe('estimateModelMemory', () => {
  it('qwen2.5:7b at Q4_K_M with an 8k f16 cache: weights + KV cache + overhead, to the byte', () => {
    const memory = estimateModelMemory({ architecture: qwen7b, bitsPerWeight: 4.85, contextTokens: 8_192, kvBitsPerElement: 16, parallel: 1, overheadBytes });
    // 7,615,616,512 × 4.85 ÷ 8 = 4,616,967,510.4 → 4,616,967,510 bytes (4.30 GiB)
    expect(memory.weightsBytes).toBe(4_616_967_510);
    // 2 × 28 layers × 8,192 tokens × 4 KV heads × 128 dims × 2 bytes = 469,762,048 bytes (448 MiB)
    expect(memory.kvCacheBytes).toBe(469_762_048);
    expect(memory.overheadBytes).toBe(805_306_368);
    expect(memory.totalBytes).toBe(5_892_035_926); // 5.49 GiB
    expect(memory).toMatchObject({ contextTokens: 8_192, contextCapped: false });
  });

  it('llama3.1:70b at 8k: a 2.5 GiB cache on 39.8 GiB of weights', () => {
    const llama70b: ModelArchitecture = { parameters: 70_553_706_496, layers: 80, kvHeads: 8, headDim: 128, contextLength: 131_072, kind: 'generate' };
    const memory = estimateModelMemory({ architecture: llama70b, bitsPerWeight: 4.85, contextTokens: 8_192, kvBitsPerElement: 16, parallel: 1, overheadBytes });
    expect(memory.weightsBytes).toBe(42_773_184_563); // 70,553,706,496 × 4.85 ÷ 8 = …563.2
    expect(memory.kvCacheBytes).toBe(2_684_354_560); // 2 × 80 × 8,192 × 8 × 128 × 2 = 2.5 GiB
    expect(memory.totalBytes).toBe(42_773_184_563 + 2_684_354_560 + 805_306_368);
  });

  it('scales the cache with parallel slots and the cache type, and caps the context at the trained one', () => {
    const base = { architecture: qwen7b, bitsPerWeight: 4.85, kvBitsPerElement: 16, parallel: 1, overheadBytes: 0 };
    expect(estimateModelMemory({ ...base, contextTokens: 8_192, parallel: 4 }).kvCacheBytes).toBe(4 * 469_762_048);
    // q8_0: 34 bytes per 32 elements = 8.5 bits
    expect(estimateModelMemory({ ...base, contextTokens: 8_192, kvBitsPerElement: 8.5 }).kvCacheBytes).toBe(249_561_088);
    const capped = estimateModelMemory({ ...base, contextTokens: 100_000 });
    expect(capped).toMatchObject({ contextTokens: 32_768, contextCapped: true, kvCacheBytes: 4 * 469_762_048 });
    const unknownTrained = estimateModelMemory({ ...base, architecture: { ...qwen7b, contextLength: undefined }, contextTokens: 100_000 });
    expect(unknownTrained.contextTokens).toBe(100_000);
  });

  it('keeps no KV cache for an encoder (embedding model)', () => {
    const nomic: ModelArchitecture = { parameters: 136_731_648, layers: 12, kvHeads: 12, headDim: 64, contextLength: 2_048, kind: 'embedding' };
    const memory = estimateModelMemory({ architecture: nomic, bitsPerWeight: 16, contextTokens: 8_192, kvBitsPerElement: 16, parallel: 1, overheadBytes: 0 });
    expect(memory).toMatchObject({ weightsBytes: 273_463_296, kvCacheBytes: 0, totalBytes: 273_463_296 });
  });
});

describe('estimateTokensPerSecond', () => {
  it('is bandwidth × efficiency ÷ weights', () => {
    // 936e9 B/s × 0.65 ÷ 4,616,967,510 B = 131.77 tokens/s
    expect(estimateTokensPerSecond({ bandwidthGBps: 936, efficiency: 0.65, weightsBytes: 4_616_967_510 })).toBeCloseTo(131.7748, 3);
    expect(estimateTokensPerSecond({ bandwidthGBps: 1000, efficiency: 0.5, weightsBytes: 1e9 })).toBe(500);
  });
});
