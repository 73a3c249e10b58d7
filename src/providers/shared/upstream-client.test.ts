import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ClientAbortError, ProviderCallError } from '../../core/index.js';
import { isAbortError } from './abort.js';
import { UpstreamClient } from './upstream-client.js';
import { replay, startTestServer, type TestServer } from './testing/test-server.js';

let server: TestServer | undefined;
let client: UpstreamClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

function clientFor(url: string): UpstreamClient {
  client = new UpstreamClient({ provider: 'up', baseUrl: `${url}/`, headers: { 'x-extra': '1' }, requestIdHeader: 'x-request-id' });
  return client;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('UpstreamClient', () => {
  it('sends headers, the request id and the body; joins the base URL', async () => {
    server = await startTestServer((_req, res) => replay(res, '{"ok":true}'));
    const { data } = await clientFor(server.url).sendForJson(
      { method: 'POST', path: '/api/x', body: '{"a":1}', requestId: 'req-1' },
      z.object({ ok: z.boolean() }),
    );
    expect(data).toEqual({ ok: true });
    const request = server.requests[0];
    expect(request?.url).toBe('/api/x');
    expect(request?.headers['x-extra']).toBe('1');
    expect(request?.headers['x-request-id']).toBe('req-1');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toBe('{"a":1}');
  });

  it('turns a 429 into a retryable ProviderCallError with retry-after and the upstream message', async () => {
    server = await startTestServer((_req, res) =>
      replay(res, '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}', {
        status: 429,
        headers: { 'retry-after': '7', 'x-request-id': 'up-1' },
      }),
    );
    const error = await failure(clientFor(server.url).send({ method: 'GET', path: '/m' }));
    expect(error).toBeInstanceOf(ProviderCallError);
    const e = error as ProviderCallError;
    expect(e).toMatchObject({ provider: 'up', url: `${server.url}/m`, upstreamStatus: 429, status: 429, code: 'rate_limited', isRetryable: true, retryAfterSeconds: 7 });
    expect(e.message).toContain('Rate limit reached');
    expect(e.headers['x-request-id']).toBe('up-1');
    expect(e.body).toContain('rate_limit_exceeded');
  });

  it('honours x-should-retry and truncates huge error bodies', async () => {
    server = await startTestServer((_req, res) => replay(res, 'x'.repeat(100_000), { status: 500, contentType: 'text/html', headers: { 'x-should-retry': 'false' } }));
    const e = (await failure(clientFor(server.url).send({ method: 'GET', path: '/m' }))) as ProviderCallError;
    expect(e.code).toBe('upstream_error');
    expect(e.isRetryable).toBe(false);
    expect(e.body?.length).toBe(4096);
  });

  it('reports connection refused as upstream_unreachable (retryable, no status)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = (await failure(clientFor(`http://127.0.0.1:${port}`).send({ method: 'GET', path: '/m' }))) as ProviderCallError;
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e).toMatchObject({ code: 'upstream_unreachable', status: 502, upstreamStatus: undefined, isRetryable: true });
  });

  it('reports a body that is not JSON as upstream_bad_response', async () => {
    server = await startTestServer((_req, res) => replay(res, '<html>oops'));
    const e = (await failure(clientFor(server.url).sendForJson({ method: 'GET', path: '/m' }, z.object({})))) as ProviderCallError;
    expect(e).toMatchObject({ code: 'upstream_bad_response', status: 502, upstreamStatus: 200 });
    expect(e.body).toBe('<html>oops');
  });

  it('reports a body of the wrong shape as upstream_bad_response', async () => {
    server = await startTestServer((_req, res) => replay(res, '{"models":3}'));
    const e = (await failure(clientFor(server.url).sendForJson({ method: 'GET', path: '/m' }, z.object({ models: z.array(z.string()) })))) as ProviderCallError;
    expect(e.code).toBe('upstream_bad_response');
  });

  it('rethrows our abort reason (not a ProviderCallError) and the upstream sees the socket close', async () => {
    server = await startTestServer(() => undefined); // never answers
    const controller = new AbortController();
    const pending = failure(clientFor(server.url).send({ method: 'POST', path: '/slow', body: '{}', signal: controller.signal }));
    await vi.waitFor(() => expect(server?.requests).toHaveLength(1));
    const reason = new ClientAbortError();
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await server.requests[0]?.closed;
    expect(isAbortError(reason)).toBe(true);
  });

  it('does not call when the signal is already aborted', async () => {
    server = await startTestServer((_req, res) => replay(res, '{}'));
    const error = await failure(clientFor(server.url).send({ method: 'GET', path: '/m', signal: AbortSignal.abort() }));
    expect(isAbortError(error)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('leaves an injected dispatcher open on close()', async () => {
    server = await startTestServer((_req, res) => replay(res, '{}'));
    const agent = new Agent();
    const injected = new UpstreamClient({ provider: 'up', baseUrl: server.url, headers: {}, dispatcher: agent });
    await injected.close();
    const response = await injected.send({ method: 'GET', path: '/m' });
    await response.body.text();
    await agent.close();
  });
});
