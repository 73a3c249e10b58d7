/**
 * How the dashboard is served: who may read its data, the page's login mode, content types,
 * caching and the content security policy. The browser test covers what the page does.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../test-support/stack.js';
import type { DashboardData } from './dashboard-data.js';

const ADMIN_KEY = 'dashboard-routes-test-admin-key';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const get = (url: string, options: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
  stack.gateway.app.inject({ method: 'GET', url, ...options });

function withAdminKey(key: string | undefined): void {
  const config = stack.gateway.runtime.snapshot.config;
  stack.gateway.runtime.reload({ ...config, admin: { ...config.admin, key } });
}

describe('GET /api/dashboard', () => {
  it('without an admin key: loopback callers only', async () => {
    withAdminKey(undefined);
    const local = await get('/api/dashboard');
    expect(local.statusCode).toBe(200);
    expect(local.headers['cache-control']).toBe('no-store');
    const data = local.json<DashboardData>();
    expect(data.series.days).toHaveLength(30);
    expect(data.headline).toMatchObject({ requestsToday: 0, uptimeGoal: 0.99 });
    expect((await get('/api/dashboard', { remoteAddress: '10.1.2.3' })).statusCode).toBe(403);
  });

  it('with an admin key: the key, from anywhere', async () => {
    withAdminKey(ADMIN_KEY);
    try {
      expect((await get('/api/dashboard')).statusCode).toBe(401);
      expect((await get('/api/dashboard', { headers: { authorization: 'Bearer wrong-key-of-some-length' } })).statusCode).toBe(401);
      const remote = await get('/api/dashboard', { remoteAddress: '10.1.2.3', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(remote.statusCode).toBe(200);
    } finally {
      withAdminKey(undefined);
    }
  });

  it('counts a request answered a moment ago', async () => {
    const answer = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    await answer.text();
    // The record is produced once the response has closed: poll for it, then it must be counted.
    await expect.poll(async () => (await get('/api/dashboard')).json<DashboardData>().headline.requestsToday).toBe(1);
    const data = (await get('/api/dashboard')).json<DashboardData>();
    expect(data.latency.targets.map((row) => row.target)).toEqual(['ollama/llama3.2']);
  });
});

describe('GET /dashboard', () => {
  const loginOf = (html: string) => /<meta name="tollgate-login" content="([^"]*)">/.exec(html)?.[1];

  it('tells the page how to log in: open on loopback, denied elsewhere, a key field when there is a key', async () => {
    withAdminKey(undefined);
    expect(loginOf((await get('/dashboard')).body)).toBe('open');
    expect(loginOf((await get('/dashboard', { remoteAddress: '10.1.2.3' })).body)).toBe('denied');
    withAdminKey(ADMIN_KEY);
    try {
      expect(loginOf((await get('/dashboard', { remoteAddress: '10.1.2.3' })).body)).toBe('key');
    } finally {
      withAdminKey(undefined);
    }
  });

  it('serves the page with a strict content security policy that allows its one inline script', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const page = await get(path);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page.body)![1]!;
      const hash = createHash('sha256').update(importMap).digest('base64');
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.body).not.toContain('__');
    }
  });

  it('serves its files and uPlot with their content types; own files revalidate, versioned vendor files are immutable', async () => {
    const html = (await get('/dashboard')).body;
    const uplotJs = /"uplot":"([^"]+)"/.exec(html)![1]!;
    const uplotCss = /href="([^"]*uPlot\.min\.css)"/.exec(html)![1]!;
    expect(uplotJs).toMatch(/^\/dashboard\/vendor\/uplot@\d+\.\d+\.\d+\/uPlot\.esm\.js$/);
    const expected: [string, string, string][] = [
      ['/dashboard/dashboard.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/dashboard/dashboard.css', 'text/css; charset=utf-8', 'no-cache'],
      ['/dashboard/favicon.svg', 'image/svg+xml', 'no-cache'],
      [uplotJs, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      [uplotCss, 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ];
    for (const [path, type, cacheControl] of expected) {
      const response = await get(path);
      expect(response.statusCode, path).toBe(200);
      expect(response.headers['content-type'], path).toBe(type);
      expect(response.headers['cache-control'], path).toBe(cacheControl);
      expect(response.body.length, path).toBeGreaterThan(100);
      const etag = String(response.headers.etag);
      const again = await get(path, { headers: { 'if-none-match': etag } });
      expect(again.statusCode, path).toBe(304);
      expect(again.body).toBe('');
    }
    expect((await get('/dashboard/dashboard.js')).body).toContain("from 'uplot'");
    expect((await get('/dashboard/nothing-here.js')).statusCode).toBe(404);
  });
});
