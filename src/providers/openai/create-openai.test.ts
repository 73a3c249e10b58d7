import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../core/index.js';
import { replay, startTestServer, type TestServer } from '../shared/testing/test-server.js';
import { createOpenAI } from './create-openai.js';

let server: TestServer | undefined;
let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
  await server?.close();
  server = undefined;
  provider = undefined;
});

describe('createOpenAI', () => {
  it('names its kind', () => {
    expect(createOpenAI({ apiKey: 'k' })).toMatchObject({ name: 'openai', kind: 'openai' });
    expect(createOpenAI({ baseUrl: 'http://127.0.0.1:1/v1', compatible: true })).toMatchObject({ name: 'openai-compatible', kind: 'openai-compatible' });
    expect(createOpenAI({ name: 'vllm', compatible: true }).name).toBe('vllm');
  });

  it('lists models and checks health through /models', async () => {
    server = await startTestServer((_req, res) =>
      replay(res, '{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},{"id":"local"}]}'),
    );
    provider = createOpenAI({ baseUrl: `${server.url}/v1`, compatible: true });
    expect(await provider.listModels()).toEqual([{ id: 'gpt-4o', modifiedAt: '2024-05-10T18:50:49.000Z' }, { id: 'local' }]);
    expect(await provider.health()).toMatchObject({ ok: true });
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/models', '/v1/models']);
    // No key configured: no Authorization header at all.
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('reports an unhealthy upstream without throwing', async () => {
    server = await startTestServer((_req, res) => replay(res, '{"error":{"message":"bad key"}}', { status: 401 }));
    provider = createOpenAI({ baseUrl: server.url, apiKey: 'nope' });
    expect(await provider.health()).toMatchObject({ ok: false, error: expect.stringContaining('bad key') });
  });

  it('lets an operator header replace ours whatever its case', async () => {
    server = await startTestServer((_req, res) => replay(res, '{"data":[]}'));
    provider = createOpenAI({ baseUrl: server.url, apiKey: 'k', headers: { Authorization: 'Bearer proxy' } });
    await provider.listModels();
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer proxy');
  });

  it('embeds as floats, ordered by index', async () => {
    server = await startTestServer((_req, res) =>
      replay(
        res,
        '{"object":"list","data":[{"object":"embedding","index":1,"embedding":[3,4]},{"object":"embedding","index":0,"embedding":[1,2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}',
      ),
    );
    provider = createOpenAI({ baseUrl: server.url, apiKey: 'k' });
    const result = await provider.embeddingModel?.('text-embedding-3-small').embed({ model: 'x', input: ['a', 'b'] });
    expect(server.json()).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
    expect(server.requests[0]?.url).toBe('/embeddings');
    expect(result).toEqual({ embeddings: [[1, 2], [3, 4]], usage: { inputTokens: 8 }, model: 'text-embedding-3-small' });
  });
});
