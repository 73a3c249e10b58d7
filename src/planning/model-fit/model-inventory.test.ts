import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig, type ConfigInput } from '../../config/index.js';
import { startOllamaSim, type SimServer } from '../../sim/index.js';
import { buildModelInventory, collectModelUses, ollamaHostsOf, readOllamaHost, type HostReading, type OllamaHost } from './model-inventory.js';

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const config = (input: ConfigInput) => validateConfig(input, 'test');

const base: ConfigInput = {
  providers: {
    ollama: { type: 'ollama', baseUrl: 'http://gpu:11434/' },
    pool: { type: 'ollama', hosts: ['http://a:11434', 'http://b:11434'] },
    anthropic: { type: 'anthropic', apiKey: 'k' },
  },
  models: {
    'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 8192 },
    agent: 'ollama/llama3.2',
    summary: 'pool/phi3',
    'cloud-fast': 'anthropic/claude-haiku-5-5',
  },
};

describe('ollamaHostsOf', () => {
  it('lists every Ollama server: a baseUrl, or each host of a pool', () => {
    expect(ollamaHostsOf(config(base)).map((host) => `${host.provider} ${host.url}`)).toEqual(['ollama http://gpu:11434', 'pool http://a:11434', 'pool http://b:11434']);
  });
});

describe('collectModelUses', () => {
  it('finds the Ollama models of aliases, rules (the default policy) and the auto tiers', () => {
    const uses = collectModelUses(config(base));
    expect(Object.fromEntries([...uses].map(([key, use]) => [key, use.usedBy]))).toEqual({
      'ollama/qwen2.5:7b': ['alias kb-analysis', 'rule kb-analysis'],
      'ollama/llama3.2:latest': ['alias agent', 'rule high-priority', 'rule agent-l2-l3'],
      'pool/phi3:latest': ['alias summary', 'auto small'],
      // The default policy's local targets go to the first Ollama provider.
      'ollama/phi3:latest': ['rule summary'],
      'ollama/llama3.1:70b': ['rule reasoning'],
    });
    expect(uses.get('ollama/llama3.2:latest')?.model).toBe('llama3.2');
  });

  it('follows configured rules instead of the default policy', () => {
    const uses = collectModelUses(config({ ...base, routing: { rules: [{ name: 'all', targets: ['agent', 'pool/mistral:7b', 'cloud-fast'] }] } }));
    expect([...uses.keys()]).toEqual(['ollama/qwen2.5:7b', 'ollama/llama3.2:latest', 'pool/phi3:latest', 'pool/mistral:7b']);
    expect(uses.get('ollama/llama3.2:latest')?.usedBy).toEqual(['alias agent', 'rule all']);
  });
});

describe('buildModelInventory', () => {
  const host = (provider: string, url: string): OllamaHost => ({ provider, url, headers: {} });
  const pulled = (name: string) => ({ name, size: 1_000, family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M' });
  const uses = collectModelUses(config(base));

  it("joins each host's models with their users, and names what a host lacks with the command that fixes it", () => {
    const readings: HostReading[] = [
      { host: host('ollama', 'http://gpu:11434'), reachable: true, pulled: [pulled('qwen2.5:7b'), pulled('llama3.2:latest'), pulled('phi3:latest'), pulled('old:1b')], loaded: [{ name: 'qwen2.5:7b', vramBytes: 5_000, sizeBytes: 5_000, expiresAt: null }] },
      { host: host('pool', 'http://a:11434'), reachable: true, pulled: [pulled('phi3')], loaded: [] },
      { host: host('pool', 'http://b:11434'), reachable: true, pulled: [], loaded: [] },
    ];
    const inventory = buildModelInventory(readings, uses);
    expect(inventory.hosts[0]?.models.map((model) => [model.name, model.loaded, model.vramBytes, model.usedBy.join(', ')])).toEqual([
      ['qwen2.5:7b', true, 5_000, 'alias kb-analysis, rule kb-analysis'],
      ['llama3.2:latest', false, null, 'alias agent, rule high-priority, rule agent-l2-l3'],
      ['phi3:latest', false, null, 'rule summary'],
      ['old:1b', false, null, ''],
    ]);
    expect(inventory.missing).toEqual([
      { provider: 'pool', model: 'phi3', url: 'http://b:11434', usedBy: ['alias summary', 'auto small'], command: 'tollgate models pull phi3 --host http://b:11434' },
      { provider: 'ollama', model: 'llama3.1:70b', url: 'http://gpu:11434', usedBy: ['rule reasoning'], command: 'tollgate models pull llama3.1:70b --host http://gpu:11434' },
    ]);
    expect(inventory.unchecked).toEqual([]);
  });

  it('cannot tell what an unreachable provider lacks: those models are unchecked', () => {
    const readings: HostReading[] = [
      { host: host('ollama', 'http://gpu:11434'), reachable: false, error: 'Could not reach ollama' },
      { host: host('pool', 'http://a:11434'), reachable: false, error: 'refused' },
      { host: host('pool', 'http://b:11434'), reachable: true, pulled: [pulled('phi3')], loaded: [] },
    ];
    const inventory = buildModelInventory(readings, uses);
    expect(inventory.hosts[0]).toEqual({ provider: 'ollama', url: 'http://gpu:11434', reachable: false, error: 'Could not reach ollama', models: [] });
    expect(inventory.missing).toEqual([]);
    expect(inventory.unchecked.map((model) => `${model.provider}/${model.model}`)).toEqual(['ollama/qwen2.5:7b', 'ollama/llama3.2', 'ollama/phi3', 'ollama/llama3.1:70b']);
  });
});

describe('readOllamaHost', () => {
  it('reads /api/tags and /api/ps; an unreachable host is a reading with the reason', async () => {
    const sim = await startOllamaSim({ models: ['qwen2.5:7b', 'phi3'] });
    servers.push(sim);
    await fetch(`${sim.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'phi3', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
    const reading = await readOllamaHost({ provider: 'ollama', url: sim.url, headers: {} });
    expect(reading.reachable).toBe(true);
    if (!reading.reachable) return;
    expect(reading.pulled.map((model) => [model.name, model.quantization, model.parameterSize])).toEqual([
      ['qwen2.5:7b', 'Q4_K_M', '7.6B'],
      ['phi3:latest', 'Q4_0', '3.8B'],
    ]);
    expect(reading.loaded).toEqual([expect.objectContaining({ name: 'phi3:latest', vramBytes: 2_176_178_913 })]);

    const down = await readOllamaHost({ provider: 'ollama', url: 'http://127.0.0.1:9', headers: {} });
    expect(down).toMatchObject({ reachable: false, error: expect.stringMatching(/Could not reach ollama/) });
  });
});
