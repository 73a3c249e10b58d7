/**
 * The promise of the product, end to end: when local fails in any way, the client still gets a
 * complete answer (from the cloud) or a well-formed error — never a hang, never a crash.
 * Official clients and raw fetch against the gateway, simulators behind it with injected faults.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../sim/index.js';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
let base: string;
let closedPort: number;

/** A port with nothing listening: connection refused, as when Ollama is not running. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  closedPort = await freePort();
  stack = await startStack({
    config: (urls) => ({
      providers: {
        ollama: { type: 'ollama', baseUrl: urls.ollama, maxInFlight: 8, maxQueue: 8 },
        'ollama-down': { type: 'ollama', baseUrl: `http://127.0.0.1:${closedPort}` },
      },
      // The breaker would otherwise open after five faults and later cases would skip local untested.
      execution: { breaker: { failureThreshold: 1000 } },
      routing: {
        defaults: {
          timeouts: { attemptMs: 1500, firstTokenMs: 700, totalMs: 6000, queueWaitMs: 100 },
          retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 200 },
        },
        rules: [
          { name: 'local-first', match: { task: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] },
          { name: 'down-first', match: { task: 'down' }, targets: ['ollama-down/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] },
          { name: 'missing-model', match: { task: 'missing' }, targets: ['ollama/not-pulled:7b', 'openai/gpt-4o-mini'] },
          { name: 'anthropic-first', match: { task: 'cloud' }, targets: ['anthropic/claude-haiku-5-5', 'openai/gpt-4o-mini'] },
          { name: 'cloud-direct', match: { task: 'direct' }, targets: ['anthropic/claude-haiku-5-5'] },
        ],
      },
    }),
  });
  base = stack.gateway.url;
});
afterAll(() => stack.close());
beforeEach(() => {
  for (const sim of [stack.ollama, stack.openai, stack.anthropic]) {
    sim.control.clearFaults();
    sim.control.resetStats();
  }
});

type Dialect = 'openai' | 'anthropic';

async function chat(dialect: Dialect, task: string, stream: boolean) {
  const started = performance.now();
  const response = await fetch(`${base}${dialect === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tollgate-task': task, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'kb-analysis', stream, max_tokens: 64, messages: [{ role: 'user', content: 'Summarise the transcript.' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
}

/** A complete answer in the dialect: JSON with text, or a stream that reached its proper end. */
function expectComplete(dialect: Dialect, stream: boolean, result: { status: number; text: string }): void {
  expect(result.status).toBe(200);
  if (!stream) {
    const body = JSON.parse(result.text) as Record<string, unknown>;
    if (dialect === 'openai') expect((body.choices as Array<{ message: { content: string } }>)[0]?.message.content.length).toBeGreaterThan(0);
    else expect((body.content as Array<{ text: string }>)[0]?.text.length).toBeGreaterThan(0);
  } else if (dialect === 'openai') {
    expect(result.text).toMatch(/data: \[DONE\]\n\n$/);
    expect(result.text).not.toMatch(/"error"/);
  } else {
    expect(result.text).toMatch(/event: message_stop\n/);
    expect(result.text).not.toMatch(/event: error/);
  }
}

const localFaults: Array<[string, FaultSpec]> = [
  ['reset', { kind: 'reset' }],
  ['429 with retry-after', { kind: 'status', status: 429, retryAfter: 0.05 }],
  ['500', { kind: 'status', status: 500 }],
  ['503 queue full', { kind: 'status', status: 503, message: 'server busy, please try again.  maximum pending requests exceeded' }],
  ['hang', { kind: 'hang' }],
  ['malformed body', { kind: 'malformed' }],
  ['error before the first token', { kind: 'error-mid-stream', afterChunks: 0 }],
  ['drop before the first token', { kind: 'drop-mid-stream', afterChunks: 0 }],
];

describe.each(['openai', 'anthropic'] as const)('%s dialect', (dialect) => {
  describe.each([false, true])('stream=%s', (stream) => {
    it.each(localFaults)('local %s → the cloud answers', async (_name, fault) => {
      stack.ollama.control.setFaults([fault]);
      const result = await chat(dialect, 'kb-analysis', stream);
      expectComplete(dialect, stream, result);
      expect(result.headers.get('x-tollgate-target')).toBe('anthropic/claude-haiku-5-5');
      expect(result.headers.get('x-tollgate-fallback')).toBeTruthy();
      expect((stack.ollama.control.stats().byPath['/api/chat'] ?? 0)).toBeGreaterThanOrEqual(1); // the fault really was met
    });

    it('local refused (not running) → the cloud answers within milliseconds', async () => {
      const result = await chat(dialect, 'down', stream);
      expectComplete(dialect, stream, result);
      expect(result.headers.get('x-tollgate-target')).toBe('anthropic/claude-haiku-5-5');
      expect(result.ms).toBeLessThan(250);
    });

    it('model not pulled on the local host → the next target answers', async () => {
      const result = await chat(dialect, 'missing', stream);
      expectComplete(dialect, stream, result);
      expect(result.headers.get('x-tollgate-target')).toBe('openai/gpt-4o-mini');
    });

    it('Anthropic 529 overloaded → OpenAI answers', async () => {
      stack.anthropic.control.setFaults([{ kind: 'status', status: 529 }]);
      const result = await chat(dialect, 'cloud', stream);
      expectComplete(dialect, stream, result);
      expect(result.headers.get('x-tollgate-target')).toBe('openai/gpt-4o-mini');
    });

    it('every target failing → a well-formed error in the dialect', async () => {
      stack.ollama.control.setFaults([{ kind: 'status', status: 500 }]);
      stack.anthropic.control.setFaults([{ kind: 'status', status: 529 }]);
      const result = await chat(dialect, 'kb-analysis', stream);
      expect(result.status).toBeGreaterThanOrEqual(500);
      expect(Number(result.headers.get('x-tollgate-attempts'))).toBeGreaterThanOrEqual(2);
      const body = JSON.parse(result.text) as Record<string, unknown>;
      if (dialect === 'openai') expect(body).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
      else expect(body).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
    });
  });

});

describe('the cost of local being down', () => {
  it('falling back from a refused local connection adds only milliseconds over calling the cloud directly', async () => {
    const median = async (task: string) => {
      const times: number[] = [];
      for (let i = 0; i < 15; i += 1) times.push((await chat('openai', task, false)).ms);
      return times.sort((a, b) => a - b)[7]!;
    };
    await median('direct'); // warm both paths
    const direct = await median('direct');
    const viaFallback = await median('down');
    console.log(`fallback from refused local: +${(viaFallback - direct).toFixed(2)} ms (direct ${direct.toFixed(2)} ms)`);
    expect(viaFallback - direct).toBeLessThan(10);
  });
});

describe('after the first token', () => {
  let slow: Stack;
  beforeAll(async () => {
    // Tokens 5 ms apart, so the first content is surely with the client before the drop.
    slow = await startStack({
      ollama: { tokensPerSecond: 200 },
      config: () => ({ routing: { rules: [{ name: 'local-first', match: { task: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] }] } }),
    });
  });
  afterAll(() => slow.close());

  it.each(['openai', 'anthropic'] as const)('%s: a drop ends the stream with an in-band error, not a silent truncation or a second answer', async (dialect) => {
    slow.ollama.control.setFaults([{ kind: 'drop-mid-stream', afterChunks: 3 }]);
    const response = await fetch(`${slow.gateway.url}${dialect === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tollgate-task': 'kb-analysis', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'kb-analysis', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'Summarise the transcript.' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-target')).toBe('ollama/qwen2.5:7b');
    expect(slow.anthropic.control.stats().requests).toBe(0);
    if (dialect === 'openai') {
      expect(text).toMatch(/"content":/);
      expect(text).toMatch(/data: \{"error":/);
      expect(text).not.toMatch(/\[DONE\]/);
    } else {
      expect(text).toMatch(/text_delta/);
      expect(text).toMatch(/event: error/);
      expect(text).not.toMatch(/message_stop/);
    }
  });
});
