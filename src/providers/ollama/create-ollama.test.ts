import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../core/index.js';
import { fixture, replay, startTestServer, type TestServer } from '../shared/testing/test-server.js';
import { createOllama } from './create-ollama.js';

let server: TestServer | undefined;
let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
  await server?.close();
  server = undefined;
  provider = undefined;
});

describe('createOllama', () => {
  it('is an ollama provider with embeddings', () => {
    provider = createOllama({ baseUrl: 'http://127.0.0.1:1' });
    expect(provider).toMatchObject({ name: 'ollama', kind: 'ollama' });
    expect(provider.chatModel('llama3.2')).toMatchObject({ provider: 'ollama', modelId: 'llama3.2' });
    expect(provider.embeddingModel?.('nomic-embed-text')).toMatchObject({ modelId: 'nomic-embed-text' });
  });

  it('lists models from /api/tags', async () => {
    const tags = await fixture(new URL('./__fixtures__/tags.json', import.meta.url));
    server = await startTestServer((_req, res) => replay(res, tags));
    provider = createOllama({ baseUrl: server.url, headers: { authorization: 'Bearer k' } });
    expect(await provider.listModels()).toEqual([
      {
        id: 'llama3.2:latest',
        size: 2019393189,
        family: 'llama',
        parameterSize: '3.2B',
        quantization: 'Q4_K_M',
        modifiedAt: '2025-05-04T17:37:44.706015396-07:00',
      },
      { id: 'nomic-embed-text:latest', size: 274302450 },
    ]);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/api/tags' });
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer k');
  });

  it('reports health with the version and latency', async () => {
    server = await startTestServer((_req, res) => replay(res, '{"version":"0.12.3"}'));
    provider = createOllama({ baseUrl: server.url });
    const health = await provider.health();
    expect(health).toMatchObject({ ok: true, version: '0.12.3' });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.requests[0]?.url).toBe('/api/version');
  });

  it('never throws from health', async () => {
    provider = createOllama({ baseUrl: 'http://127.0.0.1:1' });
    const health = await provider.health();
    expect(health.ok).toBe(false);
    expect(health.error).toContain('Could not reach');
  });

  it('embeds through /api/embed with an input array', async () => {
    server = await startTestServer((_req, res) =>
      replay(res, '{"model":"nomic-embed-text","embeddings":[[0.1,0.2],[0.3,0.4]],"total_duration":1,"load_duration":1,"prompt_eval_count":8}'),
    );
    provider = createOllama({ baseUrl: server.url });
    const result = await provider.embeddingModel?.('nomic-embed-text').embed({ model: 'x', input: ['a', 'b'], dimensions: 2 });
    expect(server.json()).toEqual({ model: 'nomic-embed-text', input: ['a', 'b'], dimensions: 2 });
    expect(server.requests[0]?.url).toBe('/api/embed');
    expect(result).toEqual({ embeddings: [[0.1, 0.2], [0.3, 0.4]], usage: { inputTokens: 8 }, model: 'nomic-embed-text' });
  });
});
