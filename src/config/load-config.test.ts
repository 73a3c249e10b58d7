import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigText } from './load-config.js';

function issuesOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses embedded defaults when there is no file: Ollama on localhost, clouds only with keys', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'tollgate-config-'));
    const bare = await loadConfig({ cwd, env: {} });
    expect(bare.source).toBe('defaults');
    expect(Object.keys(bare.config.providers)).toEqual(['ollama']);
    expect(bare.config.providers.ollama).toMatchObject({ type: 'ollama', baseUrl: 'http://localhost:11434' });
    expect(bare.config.server).toMatchObject({ host: '127.0.0.1', port: 4000, bodyLimit: 10 * 1024 * 1024 });
    expect(bare.config.models['kb-analysis']).toMatchObject({ target: 'ollama/qwen2.5:7b' });

    const keyed = await loadConfig({ cwd, env: { ANTHROPIC_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk-oai', OLLAMA_HOST: '10.0.0.5:11434' } });
    expect(Object.keys(keyed.config.providers).sort()).toEqual(['anthropic', 'ollama', 'openai']);
    expect(keyed.config.providers.ollama).toMatchObject({ baseUrl: 'http://10.0.0.5:11434' });
  });

  it('reads ./tollgate.yaml, or the file named by TOLLGATE_CONFIG', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'tollgate-config-'));
    await writeFile(join(cwd, 'tollgate.yaml'), 'server: { port: 4100 }\n');
    await writeFile(join(cwd, 'other.yaml'), 'server: { port: 4200 }\n');
    expect((await loadConfig({ cwd, env: {} })).config.server.port).toBe(4100);
    expect((await loadConfig({ cwd, env: { TOLLGATE_CONFIG: 'other.yaml' } })).config.server.port).toBe(4200);
    await expect(loadConfig({ cwd, env: {}, path: 'missing.yaml' })).rejects.toThrow(/cannot read the file: ENOENT/);
  });

  it('interpolates ${VAR} and ${VAR:-default} in values, and names the path of a missing variable', () => {
    const text = [
      'providers:',
      '  anthropic: { type: anthropic, apiKey: "${KEY}" }',
      '  local: { type: ollama, baseUrl: "http://${HOST:-localhost}:11434" }',
    ].join('\n');
    const config = parseConfigText(text, 't.yaml', { KEY: 'sk-1' });
    expect(config.providers.anthropic).toMatchObject({ apiKey: 'sk-1', version: '2023-06-01', defaultMaxTokens: 4096 });
    expect(config.providers.local).toMatchObject({ baseUrl: 'http://localhost:11434' });
    expect(issuesOf(() => parseConfigText(text, 't.yaml', {}))).toEqual(['providers.anthropic.apiKey: environment variable KEY is not set']);
  });

  it('rejects bad values with the path and the expectation', () => {
    const issues = issuesOf(() =>
      parseConfigText(
        [
          'server: { port: 99999, bodyLimit: lots }',
          'providers:',
          '  gpu: { type: olama }',
          '  cloud: { type: openai, apiKey: "" , baseUrl: "ftp://x" }',
          'models:',
          '  fast: nowhere',
          'extra: 1',
        ].join('\n'),
        't.yaml',
        {},
      ),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'server.port: Too big: expected number to be <=65535',
        expect.stringMatching(/^server\.bodyLimit: .*size such as 10mb/),
        'providers.gpu.type: expected one of ollama, openai, openai-compatible, anthropic',
        expect.stringMatching(/^providers\.cloud\.apiKey: .*API key/),
        expect.stringMatching(/^providers\.cloud\.baseUrl: .*http\(s\) URL/),
        'models.fast: expected provider/model, or an object with target: provider/model',
        "(root): unknown key(s) 'extra'",
      ]),
    );
  });

  it('checks that aliases point at configured providers', () => {
    const issues = issuesOf(() => parseConfigText('models:\n  summary: cloud/gpt-4o\n', 't.yaml', {}));
    expect(issues).toEqual(["models.summary.target: provider 'cloud' is not configured (configured: none)"]);
  });

  it('parses byte sizes and reports YAML syntax errors with a line', () => {
    expect(parseConfigText('server: { bodyLimit: 2mb }', 't', {}).server.bodyLimit).toBe(2 * 1024 * 1024);
    expect(issuesOf(() => parseConfigText('server: [\n', 't', {}))[0]).toMatch(/^not valid YAML at line \d+/);
  });
});
