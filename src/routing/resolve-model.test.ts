import { describe, expect, it } from 'vitest';
import { ModelNotFoundError } from '../core/index.js';
import { validateConfig } from '../config/index.js';
import { createModelResolver } from './resolve-model.js';

const config = validateConfig(
  {
    providers: { ollama: { type: 'ollama' }, anthropic: { type: 'anthropic', apiKey: 'k' } },
    models: { 'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 8192, keepAlive: '10m' }, fast: 'anthropic/claude-haiku-5-5' },
  },
  'test',
);

describe('createModelResolver', () => {
  const resolve = createModelResolver(config);

  it('resolves aliases, keeping their local-model options', () => {
    expect(resolve('kb-analysis')).toEqual({
      provider: 'ollama',
      modelId: 'qwen2.5:7b',
      ref: 'ollama/qwen2.5:7b',
      alias: 'kb-analysis',
      ollama: { numCtx: 8192, keepAlive: '10m' },
    });
    expect(resolve('fast')).toMatchObject({ provider: 'anthropic', modelId: 'claude-haiku-5-5', alias: 'fast' });
  });

  it('resolves provider/model for configured providers, model ids containing slashes included', () => {
    expect(resolve('ollama/library/llama3.2:latest')).toEqual({ provider: 'ollama', modelId: 'library/llama3.2:latest', ref: 'ollama/library/llama3.2:latest' });
  });

  it('rejects anything else with a 404 that says what would work', () => {
    for (const model of ['gpt-4o', 'openai/gpt-4o', 'ollama/', '/x']) {
      const error = (() => {
        try {
          resolve(model);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect((error as ModelNotFoundError).status).toBe(404);
      expect((error as ModelNotFoundError).message).toMatch(/kb-analysis, fast/);
    }
  });
});
