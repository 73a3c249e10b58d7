import { afterEach, describe, expect, it } from 'vitest';
import { startOllamaSim, type OllamaSimOptions, type SimServer } from '../../sim/index.js';
import { ProviderCallError } from '../../core/index.js';
import { UpstreamClient } from '../../providers/shared/upstream-client.js';
import { advancePull, INITIAL_PULL_STATE, pullOllamaModel, type PullState } from './pull-ollama-model.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function simClient(options: OllamaSimOptions = {}): Promise<{ sim: SimServer; client: UpstreamClient }> {
  const sim = await startOllamaSim(options);
  const client = new UpstreamClient({ provider: 'ollama', baseUrl: sim.url, headers: {} });
  opened.push(sim, client);
  return { sim, client };
}

describe('advancePull', () => {
  it('sums the layers announced so far; a layer without `completed` has 0 of its total', () => {
    let state = advancePull(INITIAL_PULL_STATE, { status: 'pulling manifest' });
    expect(state).toMatchObject({ status: 'pulling manifest', totalBytes: 0, completedBytes: 0, success: false });
    state = advancePull(state, { status: 'pulling aaa', digest: 'sha256:aaa', total: 1000 });
    state = advancePull(state, { status: 'pulling aaa', digest: 'sha256:aaa', total: 1000, completed: 400 });
    state = advancePull(state, { status: 'pulling bbb', digest: 'sha256:bbb', total: 50, completed: 50 });
    expect(state).toMatchObject({ status: 'pulling bbb', totalBytes: 1050, completedBytes: 450 });
    state = advancePull(state, { status: 'pulling aaa', digest: 'sha256:aaa', total: 1000, completed: 1000 });
    state = advancePull(state, { status: 'verifying sha256 digest' });
    state = advancePull(state, { status: 'success' });
    expect(state).toMatchObject({ status: 'success', totalBytes: 1050, completedBytes: 1050, success: true });
  });
});

describe('pullOllamaModel', () => {
  it('follows the progress stream to success, with every byte of every layer', async () => {
    const { sim, client } = await simClient();
    const seen: PullState[] = [];
    const state = await pullOllamaModel(client, 'mistral:7b', { onProgress: (next) => seen.push(next) });
    expect(state.success).toBe(true);
    expect(state.completedBytes).toBe(state.totalBytes);
    expect(state.layers.size).toBe(5);
    expect(seen[0]?.status).toBe('pulling manifest');
    expect(seen.some((step) => step.completedBytes > 0 && step.completedBytes < step.totalBytes)).toBe(true);
    const tags = (await (await fetch(`${sim.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((model) => model.name)).toContain('mistral:7b');
  });

  it("rejects with Ollama's message when the registry has no such model (an error line in a 200 stream)", async () => {
    const { client } = await simClient({ registry: ['mistral:7b'] });
    const failure = pullOllamaModel(client, 'nosuch:1b');
    await expect(failure).rejects.toBeInstanceOf(ProviderCallError);
    await expect(failure).rejects.toMatchObject({ upstreamStatus: 200, message: expect.stringContaining('pull model manifest: file does not exist') });
  });

  it('rejects with the status and message when Ollama refuses before streaming', async () => {
    const { client } = await simClient();
    await expect(pullOllamaModel(client, 'bad name!')).rejects.toMatchObject({ upstreamStatus: 400, message: 'ollama responded 400: invalid model name' });
  });

  it('rejects a stream that ends before success', async () => {
    const { sim, client } = await simClient();
    sim.control.addFault({ kind: 'drop-mid-stream', afterChunks: 3, match: { path: '/api/pull' } });
    await expect(pullOllamaModel(client, 'mistral:7b')).rejects.toBeInstanceOf(ProviderCallError);
  });
});
