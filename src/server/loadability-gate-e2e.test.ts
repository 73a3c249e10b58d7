/**
 * The loadability gate end to end: the default policy's reasoning rule keeps local llama3.1:70b
 * only while a host has it loaded or can hold it, else the plan goes straight to the cloud.
 */
import { afterEach, describe, expect, it } from 'vitest';
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

interface Explained {
  plan: { rule: string; targets: Array<{ ref: string }>; skipped: Array<{ ref: string; reason: string }> };
}

async function explainReasoning(stack: Stack): Promise<Explained['plan']> {
  const response = await fetch(`${stack.gateway.url}/v1/route/explain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tollgate-task': 'reasoning' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Prove it.' }] }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as Explained).plan;
}

const LOCAL_70B = 'ollama/llama3.1:70b';

describe('loadability gate', () => {
  it('skips a pulled 70B that does not fit, and keeps it once a host has it loaded', async () => {
    const stack = await stackWith({
      config: (urls) => ({ providers: { ollama: { type: 'ollama', baseUrl: urls.ollama, vramGb: 24, refreshSeconds: 0.02 } } }),
    });
    // Before the host state is known the gate is optimistic (the executor's fallback covers a miss).
    expect((await explainReasoning(stack)).targets[0]?.ref).toBe(LOCAL_70B);

    await expect.poll(async () => (await explainReasoning(stack)).skipped, { timeout: 5_000 }).toContainEqual({ ref: LOCAL_70B, reason: 'gate: not loadable' });
    const gated = await explainReasoning(stack);
    expect(gated.rule).toBe('rules.reasoning');
    expect(gated.targets.map((target) => target.ref)).not.toContain(LOCAL_70B);
    expect(gated.targets[0]?.ref).toMatch(/^(anthropic|openai)\//);

    // A chat request takes the same plan: the cloud answers and Ollama sees no chat at all.
    const chat = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tollgate-task': 'reasoning' },
      body: JSON.stringify({ model: 'auto', max_tokens: 16, messages: [{ role: 'user', content: 'Prove it.' }] }),
    });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('x-tollgate-target')).toMatch(/^(anthropic|openai)\//);
    expect(stack.ollama.control.stats().byPath['/api/chat'] ?? 0).toBe(0);

    // Someone loads the 70B on the host: once the state refreshes, the local target is back first.
    await fetch(`${stack.ollama.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.1:70b', stream: false, messages: [{ role: 'user', content: 'x' }] }),
    });
    await expect.poll(async () => (await explainReasoning(stack)).targets[0]?.ref, { timeout: 5_000 }).toBe(LOCAL_70B);
    expect((await explainReasoning(stack)).skipped).toEqual([]);
  });

  it('skips a model that no host has pulled, whatever the VRAM', async () => {
    const stack = await stackWith({
      ollama: { models: ['llama3.2', 'qwen2.5:7b'] },
      config: (urls) => ({ providers: { ollama: { type: 'ollama', baseUrl: urls.ollama, refreshSeconds: 0.02 } } }),
    });
    await expect.poll(async () => (await explainReasoning(stack)).skipped, { timeout: 5_000 }).toContainEqual({ ref: LOCAL_70B, reason: 'gate: not loadable' });
  });

  it('gates a pool by its hosts: one host holding the model is enough', async () => {
    const stack = await stackWith({
      ollama: { models: ['llama3.2'] },
      config: (urls) => ({
        providers: { ollama: { type: 'ollama', hosts: [urls.ollama, 'http://127.0.0.1:1'], vramGb: 24, refreshSeconds: 0.02 } },
      }),
    });
    await expect.poll(async () => (await explainReasoning(stack)).skipped, { timeout: 5_000 }).toContainEqual({ ref: LOCAL_70B, reason: 'gate: not loadable' });
    await fetch(`${stack.ollama.url}/api/pull`, { method: 'POST', body: JSON.stringify({ model: 'llama3.1:70b', stream: false }) });
    await fetch(`${stack.ollama.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.1:70b', stream: false, messages: [{ role: 'user', content: 'x' }] }),
    });
    await expect.poll(async () => (await explainReasoning(stack)).targets[0]?.ref, { timeout: 5_000 }).toBe(LOCAL_70B);

    // maxInFlight/maxQueue are per host: the executor admits 1 × 2 running and 2 × 2 waiting.
    const explained = await fetch(`${stack.gateway.url}/v1/route/explain`, {
      method: 'POST',
      headers: { 'x-tollgate-task': 'reasoning' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }),
    });
    const { targets } = (await explained.json()) as { targets: Array<{ ref: string; capacity: { limit: number; queueLimit: number } | null }> };
    expect(targets.find((target) => target.ref === LOCAL_70B)?.capacity).toMatchObject({ limit: 2, queueLimit: 4 });
  });
});
