import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/index.js';
import type { ShownModel } from './architecture-from-show.js';
import { buildFitCandidates, contextResolver, type DescribeModel } from './fit-candidates.js';
import { collectModelUses } from './model-inventory.js';
import { loadModelSpecs } from './model-specs.js';

const config = validateConfig(
  {
    providers: { ollama: { type: 'ollama' }, box: { type: 'ollama', baseUrl: 'http://box:11434' } },
    models: {
      'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 16384 },
      agent: 'box/llama3.2:3b',
      code: 'box/mistral:7b',
      odd: 'box/mystery:1b',
    },
    routing: { rules: [] },
  },
  'test',
);

describe('buildFitCandidates', () => {
  it('judges the recommended models, then the configured ones, each once whatever its spelling', async () => {
    const asked: string[] = [];
    const describe: DescribeModel = async (provider, model): Promise<ShownModel> => {
      asked.push(`${provider}/${model}`);
      if (model === 'mistral:7b') {
        return { ok: true, architecture: { parameters: 7_248_023_552, layers: 32, kvHeads: 8, headDim: 128, contextLength: 32_768, kind: 'generate' }, quantization: 'Q4_0', family: 'llama' };
      }
      return { ok: false, reason: 'no host described it' };
    };
    const candidates = await buildFitCandidates({ specs: await loadModelSpecs(), uses: collectModelUses(config), contextOf: contextResolver(config, undefined, 8_192), describe });
    expect(candidates.map((candidate) => [candidate.model, candidate.recommended, candidate.architectureSource, candidate.contextTokens, candidate.usedBy.join(', ')])).toEqual([
      ['qwen2.5:7b', true, 'model-specs', 16_384, 'alias kb-analysis'],
      ['llama3.2', true, 'model-specs', 8_192, 'alias agent'],
      ['phi3', true, 'model-specs', 8_192, ''],
      ['llama3.1:70b', true, 'model-specs', 8_192, ''],
      ['mistral:7b', false, 'host', 8_192, 'alias code'],
      ['mystery:1b', false, 'unknown', 8_192, 'alias odd'],
    ]);
    expect(asked).toEqual(['box/mistral:7b', 'box/mystery:1b']);
    expect(candidates[1]?.aliases).toEqual(['llama3.2', 'llama3.2:3b']);
    expect(candidates[4]).toMatchObject({ quantization: 'Q4_0', architecture: { layers: 32 } });
    expect(candidates[5]).toMatchObject({ architecture: undefined, quantization: undefined, unknownReason: 'unknown: no host described it' });
  });
});

describe('contextResolver', () => {
  it('takes --context, else the largest numCtx of the aliases on the model, else the fallback', () => {
    expect(contextResolver(config, 4_096, 8_192)('qwen2.5:7b')).toBe(4_096);
    expect(contextResolver(config, undefined, 8_192)('qwen2.5:7b')).toBe(16_384);
    expect(contextResolver(config, undefined, 8_192)('phi3')).toBe(8_192);
  });
});
