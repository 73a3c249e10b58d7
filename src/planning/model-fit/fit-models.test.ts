import { describe, expect, it } from 'vitest';
import { BYTES_PER_GB } from './estimate-model-memory.js';
import { fitModels, type FitCandidate, type FitSettings, type MeasuredRate } from './fit-models.js';

const settings: FitSettings = {
  quantizations: { Q4_K_M: 4.85, Q4_0: 4.5, F16: 16 },
  kvCacheType: 'f16',
  kvBitsPerElement: 16,
  parallel: 1,
  overheadBytes: 0.75 * BYTES_PER_GB,
  efficiency: 0.65,
};

const candidate = (overrides: Partial<FitCandidate> & Pick<FitCandidate, 'model'>): FitCandidate => ({
  label: overrides.model,
  architecture: { parameters: 7_615_616_512, layers: 28, kvHeads: 4, headDim: 128, contextLength: 32_768, kind: 'generate' },
  architectureSource: 'model-specs',
  quantization: 'Q4_K_M',
  recommended: true,
  usedBy: [],
  contextTokens: 8_192,
  ...overrides,
});

const qwen = candidate({ model: 'qwen2.5:7b' });
const llama70b = candidate({
  model: 'llama3.1:70b',
  architecture: { parameters: 70_553_706_496, layers: 80, kvHeads: 8, headDim: 128, contextLength: 131_072, kind: 'generate' },
});
const rtx3090 = { name: 'RTX 3090', vramGb: 24, bandwidthGBps: 936 };

describe('fitModels', () => {
  it('says what fits in 24 GiB, with the room left or missing, and estimates the speed of what fits', () => {
    const report = fitModels({ candidates: [qwen, llama70b], gpu: rtx3090, settings, measured: new Map() });
    expect(report.gpu.vramBytes).toBe(25_769_803_776);
    const [small, big] = report.models;
    expect(small).toMatchObject({ model: 'qwen2.5:7b', fits: true, freeBytes: 25_769_803_776 - 5_892_035_926, bitsPerWeight: 4.85, note: null });
    expect(small?.speed).toEqual({ kind: 'estimate', tokensPerSecond: (936e9 * 0.65) / 4_616_967_510, bandwidthGBps: 936, efficiency: 0.65 });
    // 42,773,184,563 + 2,684,354,560 + 805,306,368 = 46,262,845,491 bytes: 20,493,041,715 short of 24 GiB
    expect(big).toMatchObject({ fits: false, freeBytes: -20_493_041_715 });
    expect(big?.speed).toMatchObject({ kind: 'none', reason: expect.stringMatching(/does not fit/) });
    expect(report.together).toEqual({ models: ['qwen2.5:7b'], totalBytes: 5_892_035_926, fits: true });
  });

  it('prefers a measured rate from the ledger, found under any spelling of the name', () => {
    const measured = new Map<string, MeasuredRate>([['llama3.2:3b', { tokensPerSecond: 95.5, outputTokens: 955, generationMs: 10_000, targets: ['ollama/llama3.2:3b'] }]]);
    const llama = candidate({ model: 'llama3.2', aliases: ['llama3.2', 'llama3.2:3b'] });
    const report = fitModels({ candidates: [llama], gpu: rtx3090, settings, measured });
    expect(report.models[0]?.speed).toEqual({ kind: 'measured', tokensPerSecond: 95.5, outputTokens: 955, generationMs: 10_000, targets: ['ollama/llama3.2:3b'] });
  });

  it('answers unknown, with the reason, for a model or quantisation it cannot size', () => {
    const report = fitModels({
      candidates: [
        candidate({ model: 'mystery:1b', architecture: undefined, architectureSource: 'unknown', quantization: undefined, unknownReason: 'unknown: no host described it' }),
        candidate({ model: 'odd:7b', quantization: 'Q2_K' }),
      ],
      gpu: { name: 'some GPU', vramGb: 16 },
      settings,
      measured: new Map(),
    });
    expect(report.models[0]).toMatchObject({ memory: null, fits: null, freeBytes: null, note: 'unknown: no host described it', speed: { kind: 'none', reason: 'model unknown' } });
    expect(report.models[1]).toMatchObject({ memory: null, fits: null, bitsPerWeight: null, note: expect.stringMatching(/bits per weight of Q2_K unknown/) });
  });

  it('gives no estimate without a bandwidth, and notes a capped context', () => {
    const report = fitModels({ candidates: [candidate({ model: 'qwen2.5:7b', contextTokens: 65_536 })], gpu: { name: 'Mystery 24', vramGb: 24 }, settings, measured: new Map() });
    expect(report.models[0]?.speed).toMatchObject({ kind: 'none', reason: expect.stringMatching(/--bandwidth-gbps/) });
    expect(report.models[0]?.note).toBe('context capped at the trained 32,768 tokens');
  });

  it('gives an embedding model no speed and no capped-context note (it keeps no cache)', () => {
    const nomic = candidate({ model: 'nomic-embed-text', quantization: 'F16', architecture: { parameters: 136_731_648, layers: 12, kvHeads: 12, headDim: 64, contextLength: 2_048, kind: 'embedding' } });
    const report = fitModels({ candidates: [nomic], gpu: rtx3090, settings, measured: new Map() });
    expect(report.models[0]).toMatchObject({ fits: true, note: null, memory: { weightsBytes: 273_463_296, kvCacheBytes: 0 }, speed: { kind: 'none', reason: 'an embedding model: it generates no tokens' } });
  });

  it('sums the models that fit alone to say whether they fit together', () => {
    const report = fitModels({ candidates: [qwen, qwen, qwen, qwen, qwen], gpu: rtx3090, settings, measured: new Map() });
    expect(report.together.totalBytes).toBe(5 * 5_892_035_926);
    expect(report.together.fits).toBe(false);
  });
});
