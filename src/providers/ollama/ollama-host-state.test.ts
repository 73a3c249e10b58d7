import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../core/index.js';
import { startOllamaSim, type SimServer } from '../../sim/index.js';
import { createOllama } from './create-ollama.js';
import { normalizeOllamaModelName } from './ollama-host-state.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function hostWith(options: { vramGb?: number; models?: string[] } = {}): Promise<{ sim: SimServer; provider: Provider }> {
  const sim = await startOllamaSim(options.models ? { models: options.models } : {});
  const provider = createOllama({ baseUrl: sim.url, refreshMs: 10, ...(options.vramGb !== undefined ? { vramGb: options.vramGb } : {}) });
  cleanups.push(() => sim.close(), () => provider.close());
  return { sim, provider };
}

const load = (sim: SimServer, model: string) =>
  fetch(`${sim.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'x' }] }) });

const canServe = (provider: Provider, model: string): boolean => provider.canServe?.(model) ?? true;

describe('canServe on a single Ollama host', () => {
  it('is optimistic until the state has been read, and never waits for it', async () => {
    const { sim, provider } = await hostWith({ models: ['llama3.2'] });
    expect(canServe(provider, 'llama3.1:70b')).toBe(true);
    // The first ask started a background read of /api/ps and /api/tags.
    await expect.poll(() => canServe(provider, 'llama3.1:70b')).toBe(false);
    expect(sim.control.stats().byPath['/api/ps']).toBeGreaterThanOrEqual(1);
    expect(canServe(provider, 'llama3.2')).toBe(true); // pulled, VRAM unknown: enough
  });

  it('counts VRAM held by loaded models against a pulled model, and a loaded model always fits', async () => {
    // 42 GiB: the 70B (~39.6 GiB) fits an empty GPU, not one also holding qwen2.5:7b (~4.4 GiB).
    const { sim, provider } = await hostWith({ vramGb: 42 });
    await expect.poll(() => canServe(provider, 'not-pulled:1b')).toBe(false);
    expect(canServe(provider, 'llama3.1:70b')).toBe(true);

    await load(sim, 'qwen2.5:7b');
    await expect.poll(() => canServe(provider, 'llama3.1:70b')).toBe(false);

    await load(sim, 'llama3.1:70b');
    await expect.poll(() => canServe(provider, 'llama3.1:70b')).toBe(true);
  });

  it('stops reading state once closed', async () => {
    const sim = await startOllamaSim();
    cleanups.push(() => sim.close());
    const provider = createOllama({ baseUrl: sim.url, refreshMs: 10 });
    await provider.close();
    canServe(provider, 'llama3.2');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sim.control.stats().byPath['/api/ps'] ?? 0).toBe(0);
  });
});

describe('normalizeOllamaModelName', () => {
  it('adds the implicit :latest tag, and only after the last path segment', () => {
    expect(normalizeOllamaModelName('llama3.2')).toBe('llama3.2:latest');
    expect(normalizeOllamaModelName('qwen2.5:7b')).toBe('qwen2.5:7b');
    expect(normalizeOllamaModelName('host:5000/team/model')).toBe('host:5000/team/model:latest');
  });
});
