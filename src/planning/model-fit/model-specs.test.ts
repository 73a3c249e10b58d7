import { describe, expect, it } from 'vitest';
import { findModelSpec, loadModelSpecs, lookupBits, ModelSpecsError, parseModelSpecs } from './model-specs.js';

describe('config/model-specs.yaml', () => {
  it('is valid and describes the recommended models', async () => {
    const specs = await loadModelSpecs();
    expect(specs.recommended).toEqual(['qwen2.5:7b', 'llama3.2', 'phi3', 'llama3.1:70b']);
    for (const name of specs.recommended) expect(findModelSpec(specs, name), name).toBeDefined();
    expect(findModelSpec(specs, 'qwen2.5:7b')?.spec).toMatchObject({ parameters: 7_615_616_512, layers: 28, kvHeads: 4, headDim: 128, quantization: 'Q4_K_M' });
    expect(lookupBits(specs.quantizations, 'Q4_K_M')).toBe(4.85);
    expect(lookupBits(specs.quantizations, 'Q8_0')).toBe(8.5);
    expect(lookupBits(specs.quantizations, 'F16')).toBe(16);
    expect(lookupBits(specs.kvCacheTypes, 'f16')).toBe(16);
  });

  it('finds a model by any Ollama spelling: the tag latest, an alias tag', async () => {
    const specs = await loadModelSpecs();
    expect(findModelSpec(specs, 'llama3.2:latest')?.key).toBe('llama3.2');
    expect(findModelSpec(specs, 'llama3.2:3b')?.key).toBe('llama3.2');
    expect(findModelSpec(specs, 'phi3:3.8b')?.key).toBe('phi3');
    expect(findModelSpec(specs, 'llama3.1')).toBeUndefined();
    expect(lookupBits(specs.quantizations, 'q4_k_m')).toBe(4.85);
    expect(lookupBits(specs.quantizations, 'Q2_K')).toBeUndefined();
  });

  it('rejects a bad file by path', () => {
    const text = 'quantizations: { Q4_0: 4.5 }\nkvCacheTypes: { f16: 16 }\noverheadGb: 0.75\nefficiency: 0.65\nmodels:\n  x:\n    parameters: 1\n    layers: 1\n    kvHeads: 1\n    headDim: -1\n    contextLength: 1\n    quantization: Q9\n';
    expect(issuesOf(text)).toEqual([expect.stringMatching(/^models\.x\.headDim: /), "models.x.quantization: 'Q9' is not under quantizations"]);
    expect(issuesOf(text.replace('headDim: -1', 'headDim: 8'))).toEqual(["models.x.quantization: 'Q9' is not under quantizations"]);
    expect(issuesOf('models: [')).toEqual([expect.stringMatching(/^not valid YAML/)]);
  });
});

function issuesOf(text: string): readonly string[] {
  try {
    parseModelSpecs(text, 'specs.yaml');
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ModelSpecsError);
    return (error as ModelSpecsError).issues;
  }
}
