import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../core/index.js';
import { replay, startTestServer, type TestServer } from '../shared/testing/test-server.js';
import { createAnthropic } from './create-anthropic.js';

let server: TestServer | undefined;
let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
  await server?.close();
  server = undefined;
  provider = undefined;
});

describe('createAnthropic', () => {
  it('has no embeddings', () => {
    provider = createAnthropic({ apiKey: 'k' });
    expect(provider).toMatchObject({ name: 'anthropic', kind: 'anthropic' });
    expect(provider.embeddingModel).toBeUndefined();
  });

  it('lists models across pages', async () => {
    const pages = [
      '{"data":[{"type":"model","id":"claude-opus-5-5","display_name":"Claude Opus 5.5","created_at":"2026-09-01T00:00:00Z"}],"has_more":true,"first_id":"claude-opus-5-5","last_id":"claude-opus-5-5"}',
      '{"data":[{"type":"model","id":"claude-haiku-5-5"}],"has_more":false,"first_id":"claude-haiku-5-5","last_id":"claude-haiku-5-5"}',
    ];
    let n = 0;
    server = await startTestServer((_req, res) => replay(res, pages[n++] ?? '{"data":[]}'));
    provider = createAnthropic({ baseUrl: server.url, apiKey: 'k', version: '2024-01-01' });
    expect(await provider.listModels()).toEqual([{ id: 'claude-opus-5-5', modifiedAt: '2026-09-01T00:00:00Z' }, { id: 'claude-haiku-5-5' }]);
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/models?limit=1000', '/v1/models?limit=1000&after_id=claude-opus-5-5']);
    expect(server.requests[0]?.headers['anthropic-version']).toBe('2024-01-01');
  });

  it('reports health, and failure without throwing', async () => {
    let status = 200;
    server = await startTestServer((_req, res) => replay(res, status === 200 ? '{"data":[]}' : '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}', { status }));
    provider = createAnthropic({ baseUrl: server.url, apiKey: 'k' });
    expect(await provider.health()).toMatchObject({ ok: true });
    status = 401;
    expect(await provider.health()).toMatchObject({ ok: false, error: expect.stringContaining('invalid x-api-key') });
  });
});
