/**
 * Overflow, circuit breaker, kill switch and reload, end to end against the simulators.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { startOllamaSim, startAnthropicSim, type SimServer } from '../sim/index.js';
import { startGateway, type RunningGateway } from './start-gateway.js';
import { startStack, type Stack } from '../test-support/stack.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stackWith(options: Parameters<typeof startStack>[0]): Promise<Stack> {
  const stack = await startStack(options);
  cleanups.push(() => stack.close());
  return stack;
}

function ask(base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'kb-analysis', max_tokens: 32, messages: [{ role: 'user', content: 'Summarise.' }], ...body }),
    signal: AbortSignal.timeout(15_000),
  });
}

describe('overflow', () => {
  it('30 concurrent requests on a 1-slot, 2-queue Ollama: all answered, the excess by the cloud, none waiting past the rule', async () => {
    const queueWaitMs = 150;
    const stack = await stackWith({
      // ~24 tokens at 120 tok/s: each local answer holds the only slot for ~200 ms.
      ollama: { numParallel: 1, maxQueue: 2, tokensPerSecond: 120 },
      config: (urls) => ({
        providers: { ollama: { type: 'ollama', baseUrl: urls.ollama, maxInFlight: 1, maxQueue: 2 } },
        routing: {
          defaults: { timeouts: { attemptMs: 5000, firstTokenMs: 5000, totalMs: 10000, queueWaitMs } },
          rules: [{ name: 'kb', match: { model: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] }],
        },
      }),
    });
    const results = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const started = performance.now();
        const response = await ask(stack.gateway.url, {});
        const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
        return { status: response.status, target: response.headers.get('x-tollgate-target'), ms: performance.now() - started, text: body.choices[0]?.message.content };
      }),
    );
    expect(results.every((result) => result.status === 200 && (result.text?.length ?? 0) > 0)).toBe(true);
    const local = results.filter((result) => result.target === 'ollama/qwen2.5:7b');
    const cloud = results.filter((result) => result.target === 'anthropic/claude-haiku-5-5');
    expect(local.length).toBeGreaterThanOrEqual(1);
    expect(local.length).toBeLessThanOrEqual(3); // one running, at most two that waited
    expect(cloud.length).toBe(30 - local.length);
    // Overflowed requests never waited longer than the queue limit plus a cloud answer.
    for (const result of cloud) expect(result.ms).toBeLessThan(queueWaitMs + 500);
    expect(stack.ollama.control.stats().rejected).toBe(0); // we never pushed Ollama into its own 503
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, skips the dead target at once, and closes when it recovers', async () => {
    const stack = await stackWith({
      config: () => ({
        execution: { breaker: { failureThreshold: 3, cooldownSeconds: 0.3 } },
        routing: {
          defaults: { retry: { maxRetries: 0 } },
          rules: [{ name: 'kb', match: { model: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] }],
        },
      }),
    });
    const base = stack.gateway.url;
    stack.ollama.control.setFaults([{ kind: 'status', status: 500 }]);
    for (let i = 0; i < 3; i += 1) expect((await ask(base, {})).headers.get('x-tollgate-target')).toBe('anthropic/claude-haiku-5-5');
    expect((stack.ollama.control.stats().byPath['/api/chat'] ?? 0)).toBe(3);

    const skipped = await ask(base, {});
    expect(skipped.headers.get('x-tollgate-target')).toBe('anthropic/claude-haiku-5-5');
    expect(skipped.headers.get('x-tollgate-attempts')).toBe('1'); // only the cloud was tried
    expect((stack.ollama.control.stats().byPath['/api/chat'] ?? 0)).toBe(3); // the open breaker did not call the dead host
    const explained = (await (await fetch(`${base}/v1/route/explain`, { method: 'POST', body: JSON.stringify({ model: 'kb-analysis', messages: [{ role: 'user', content: 'x' }] }) })).json()) as {
      targets: Array<{ ref: string; breaker: string }>;
    };
    expect(explained.targets[0]).toMatchObject({ ref: 'ollama/qwen2.5:7b', breaker: 'open' });

    stack.ollama.control.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 350)); // the configured cooldown
    expect((await ask(base, {})).headers.get('x-tollgate-target')).toBe('ollama/qwen2.5:7b'); // the half-open probe
    expect((await ask(base, {})).headers.get('x-tollgate-target')).toBe('ollama/qwen2.5:7b'); // closed again
  });
});

describe('kill switch', () => {
  it('cloud-only takes effect for the next request, and reset returns to local', async () => {
    const stack = await stackWith({ config: () => ({ admin: { key: 'admin-key-0123456789' } }) });
    const base = stack.gateway.url;
    const admin = (body: unknown, key = 'admin-key-0123456789') =>
      fetch(`${base}/admin/mode`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });

    expect((await ask(base, {})).headers.get('x-tollgate-target')).toBe('ollama/qwen2.5:7b');
    expect((await admin({ mode: 'cloud-only' }, 'wrong-key-0123456789')).status).toBe(401);
    expect(await (await admin({ mode: 'cloud-only' })).json()).toMatchObject({ mode: 'cloud-only', overridden: true });
    const cloud = await ask(base, {});
    expect(cloud.headers.get('x-tollgate-target')).not.toMatch(/^ollama/);
    expect((stack.ollama.control.stats().byPath['/api/chat'] ?? 0)).toBe(1);
    expect(await (await admin({ mode: null })).json()).toMatchObject({ mode: 'auto', overridden: false });
    expect((await ask(base, {})).headers.get('x-tollgate-target')).toBe('ollama/qwen2.5:7b');
  });
});

describe('reload', () => {
  let sims: SimServer[] = [];
  afterEach(async () => {
    await Promise.all(sims.map((sim) => sim.close()));
    sims = [];
  });

  it('applies a valid file at once and rejects a bad one, keeping the running config', async () => {
    const [ollama, anthropic] = await Promise.all([startOllamaSim(), startAnthropicSim()]);
    sims = [ollama, anthropic];
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-reload-'));
    const file = join(dir, 'tollgate.yaml');
    const write = (summaryTarget: string) =>
      writeFile(
        file,
        [
          'logging: { level: silent }',
          'ledger: { url: ":memory:" }',
          'providers:',
          `  ollama: { type: ollama, baseUrl: "${ollama.url}" }`,
          `  anthropic: { type: anthropic, baseUrl: "${anthropic.url}", apiKey: k }`,
          'models:',
          `  kb-analysis: ${summaryTarget}`,
        ].join('\n'),
      );
    await write('ollama/phi3');
    const source = async () => (await loadConfig({ path: file })).config;
    const gateway: RunningGateway = await startGateway({ config: await source(), loadConfig: source, port: 0, logger: pino({ level: 'silent' }) });
    cleanups.push(() => gateway.close());

    expect((await ask(gateway.url, {})).headers.get('x-tollgate-target')).toBe('ollama/phi3');
    await write('anthropic/claude-haiku-5-5');
    expect((await fetch(`${gateway.url}/admin/reload`, { method: 'POST' })).status).toBe(200);
    expect((await ask(gateway.url, {})).headers.get('x-tollgate-target')).toBe('anthropic/claude-haiku-5-5');

    await writeFile(file, 'providers:\n  ollama: { type: nope }\n');
    const rejected = await fetch(`${gateway.url}/admin/reload`, { method: 'POST' });
    expect(rejected.status).toBe(400);
    expect(JSON.stringify(await rejected.json())).toContain('providers.ollama.type');
    expect((await ask(gateway.url, {})).headers.get('x-tollgate-target')).toBe('anthropic/claude-haiku-5-5');
  });
});

describe('response cache', () => {
  it('answers a repeated call from the cache, in either dialect and streamed or not, without calling upstream', async () => {
    const stack = await stackWith({
      config: () => ({
        routing: { rules: [{ name: 'faq', match: { task: 'faq' }, targets: ['ollama/phi3', 'anthropic/claude-haiku-5-5'], cache: { ttlSeconds: 60 } }] },
      }),
    });
    const base = stack.gateway.url;
    const question = { model: 'agent', messages: [{ role: 'user', content: 'What is the refund policy?' }] };
    const first = await ask(base, { ...question }, { 'x-tollgate-task': 'faq' });
    const firstText = ((await first.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
    expect(first.headers.get('x-tollgate-cache')).toBe('miss');

    const again = await ask(base, { ...question }, { 'x-tollgate-task': 'faq' });
    expect(again.headers.get('x-tollgate-cache')).toBe('hit');
    expect(again.headers.get('x-tollgate-target')).toBe('ollama/phi3');
    expect(((await again.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe(firstText);

    const streamed = await ask(base, { ...question, stream: true }, { 'x-tollgate-task': 'faq' });
    expect(streamed.headers.get('x-tollgate-cache')).toBe('hit');
    const sse = await streamed.text();
    const text = [...sse.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((match) => JSON.parse(`"${match[1]}"`) as string).join('');
    expect(text).toBe(firstText);
    expect(sse).toMatch(/\[DONE\]/);

    const anthropicDialect = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tollgate-task': 'faq' },
      body: JSON.stringify({ ...question, max_tokens: 32 }),
    });
    expect(anthropicDialect.headers.get('x-tollgate-cache')).toBe('hit');
    expect((stack.ollama.control.stats().byPath['/api/chat'] ?? 0)).toBe(1);

    const different = await ask(base, { ...question, messages: [{ role: 'user', content: 'Another question' }] }, { 'x-tollgate-task': 'faq' });
    expect(different.headers.get('x-tollgate-cache')).toBe('miss');
    expect((stack.ollama.control.stats().byPath['/api/chat'] ?? 0)).toBe(2);
  });
});
