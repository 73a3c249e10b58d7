import { afterEach, describe, expect, it } from 'vitest';
import type { ChatCall, ChatStream, Provider } from '../../core/index.js';
import { startOllamaSim, type SimServer } from '../../sim/index.js';
import { createOllamaPool } from './create-ollama-pool.js';

const call: ChatCall = { model: 'ignored', messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hi.' }] }] };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sim(options: Parameters<typeof startOllamaSim>[0] = {}): Promise<SimServer> {
  const server = await startOllamaSim(options);
  cleanups.push(() => server.close());
  return server;
}

function pool(settings: Omit<Parameters<typeof createOllamaPool>[0], 'name'>): Provider {
  const provider = createOllamaPool({ name: 'gpus', ...settings });
  cleanups.push(() => provider.close());
  return provider;
}

/** Chat calls a sim received (the pool's own /api/ps and /api/tags polling excluded). */
const chats = (server: SimServer): number => server.control.stats().byPath['/api/chat'] ?? 0;

/** The pool has read every host's /api/ps and /api/tags once a model nobody has is refused. */
async function stateFetched(provider: Provider): Promise<void> {
  await expect.poll(() => provider.canServe?.('not-pulled-anywhere:1b'), { timeout: 5_000 }).toBe(false);
}

describe('createOllamaPool', () => {
  it('spreads concurrent streams by least outstanding requests, and counts a stream until it is returned', async () => {
    // ~24 tokens at 10 tok/s: each stream stays open for seconds, long after the test looked.
    const [a, b] = [await sim({ numParallel: 4, tokensPerSecond: 10 }), await sim({ numParallel: 4, tokensPerSecond: 10 })];
    const provider = pool({ hosts: [a.url, b.url], refreshMs: 60_000 });
    const model = provider.chatModel('llama3.2');
    expect(model).toMatchObject({ provider: 'gpus', modelId: 'llama3.2' });

    const streams: ChatStream[] = await Promise.all([1, 2, 3, 4].map(() => model.stream(call)));
    expect([chats(a), chats(b)]).toEqual([2, 2]);

    // Returned streams stop counting: with nothing outstanding the next two calls spread again.
    for (const stream of streams) await stream[Symbol.asyncIterator]().return?.();
    await expect.poll(() => a.control.stats().inFlight + b.control.stats().inFlight).toBe(0);
    const more = await Promise.all([1, 2].map(() => model.stream(call)));
    expect([chats(a), chats(b)]).toEqual([3, 3]);
    for (const stream of more) await stream[Symbol.asyncIterator]().return?.();
  });

  it('sends a model to the host that has it loaded', async () => {
    const [a, b] = [await sim(), await sim()];
    // Load qwen on B only, as a client of B would.
    await fetch(`${b.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'qwen2.5:7b', stream: false, messages: [{ role: 'user', content: 'x' }] }) });
    b.control.resetStats();

    const provider = pool({ hosts: [a.url, b.url], refreshMs: 10 });
    await stateFetched(provider);
    for (let i = 0; i < 4; i += 1) await provider.chatModel('qwen2.5:7b').generate(call);
    expect([chats(a), chats(b)]).toEqual([0, 4]);
  });

  it('moves a call off a host that refuses connections and avoids it afterwards', async () => {
    const dead = await startOllamaSim();
    const deadUrl = dead.url;
    await dead.close();
    const live = await sim();

    const provider = pool({ hosts: [deadUrl, live.url], refreshMs: 60_000 });
    for (let i = 0; i < 3; i += 1) {
      const result = await provider.chatModel('llama3.2').generate(call);
      expect(result.content.length).toBeGreaterThan(0);
    }
    expect(chats(live)).toBe(3);
    expect((await provider.health()).ok).toBe(true);
  });

  it('marks a host down after a connection failure, so the next calls do not touch it', async () => {
    const [flaky, steady] = [await sim(), await sim()];
    flaky.control.setFaults([{ kind: 'reset', match: { path: '/api/chat' } }]);
    const provider = pool({ hosts: [flaky.url, steady.url], refreshMs: 60_000 });
    const model = provider.chatModel('llama3.2');

    // The reset reaches the caller (the request may have been read: not ours to resend) ...
    await expect(model.generate(call)).rejects.toMatchObject({ code: 'upstream_unreachable' });
    // ... and for the next few seconds only the other host is used.
    for (let i = 0; i < 4; i += 1) await model.generate(call);
    expect([chats(flaky), chats(steady)]).toEqual([1, 4]);
  });

  it('lists the union of the hosts’ models, and still answers when one host is gone', async () => {
    const [a, b] = [await sim({ models: ['llama3.2', 'phi3'] }), await sim({ models: ['phi3', 'qwen2.5:7b'] })];
    const provider = pool({ hosts: [a.url, b.url, 'http://127.0.0.1:1'] });
    expect((await provider.listModels()).map((model) => model.id).sort()).toEqual(['llama3.2:latest', 'phi3:latest', 'qwen2.5:7b']);
    expect(provider.kind).toBe('ollama');
  });

  it('is healthy while any host is, and says which hosts failed when none is', async () => {
    const provider = pool({ hosts: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] });
    const health = await provider.health();
    expect(health.ok).toBe(false);
    expect(health.error).toContain('http://127.0.0.1:2');
  });
});
