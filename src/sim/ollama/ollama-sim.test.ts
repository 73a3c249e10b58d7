import { encode } from 'gpt-tokenizer';
import { Ollama } from 'ollama';
import type { ChatResponse } from 'ollama';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startOllamaSim } from '../index.js';
import type { OllamaSimOptions, SimServer } from '../index.js';

/** Fidelity of the Ollama simulator, proven with the official `ollama` client. */

const servers: SimServer[] = [];
async function sim(options: OllamaSimOptions = {}): Promise<{ server: SimServer; ollama: Ollama }> {
  const server = await startOllamaSim(options);
  servers.push(server);
  return { server, ollama: new Ollama({ host: server.url }) };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

async function collect(stream: AsyncIterable<ChatResponse>): Promise<ChatResponse[]> {
  const parts: ChatResponse[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('Ollama simulator', () => {
  it('answers /api/chat without streaming, with token counts from gpt-tokenizer and ns durations', async () => {
    const { ollama } = await sim();
    const res = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Why is the sky blue?' }] });
    expect(res).toMatchObject({ model: 'llama3.2', done: true, done_reason: 'stop', message: { role: 'assistant' } });
    expect(res.eval_count).toBe(encode(res.message.content).length);
    expect(res.prompt_eval_count).toBe(encode('Why is the sky blue?').length);
    expect(res.total_duration).toBeGreaterThanOrEqual(res.load_duration + res.prompt_eval_duration + res.eval_duration);
    expect(res.eval_duration).toBeGreaterThan(0);
  });

  it('streams NDJSON by default: one token per line, metrics on the done line', async () => {
    const { server, ollama } = await sim({ outputTokens: 10 });
    const raw = await fetch(`${server.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(raw.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await raw.text()).trim().split('\n').map((l) => JSON.parse(l) as ChatResponse);
    expect(lines).toHaveLength(11);

    const parts = await collect(await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    const last = parts.at(-1);
    const text = parts.map((p) => p.message.content).join('');
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true);
    expect(last).toMatchObject({ done: true, done_reason: 'stop' });
    expect(last?.eval_count).toBe(encode(text).length);
    expect(text).toBe(lines.map((l) => l.message.content).join(''));
  });

  it('is deterministic: same seed and prompt give the same text, another seed does not', async () => {
    const ask = async (ollama: Ollama) => (await ollama.chat({ model: 'phi3', messages: [{ role: 'user', content: 'Same prompt' }] })).message.content;
    const a = await ask((await sim({ seed: 7 })).ollama);
    expect(await ask((await sim({ seed: 7 })).ollama)).toBe(a);
    expect(await ask((await sim({ seed: 8 })).ollama)).not.toBe(a);
  });

  it('honours num_predict with done_reason length', async () => {
    const { ollama } = await sim();
    const res = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 3 } });
    expect(res.done_reason).toBe('length');
    expect(res.eval_count).toBe(3);
  });

  it('sends tool calls whole, with object arguments and an id, streamed or not', async () => {
    const { ollama } = await sim();
    const request = { model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'Use the tool for Oslo' }], tools: [weatherTool] };
    const res = await ollama.chat(request);
    expect(res.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_[a-z0-9]{8}$/), function: { index: 0, name: 'get_weather', arguments: { city: 'sample' } } }]);
    expect(res.done_reason).toBe('stop');

    const parts = await collect(await ollama.chat({ ...request, stream: true }));
    const withCalls = parts.filter((p) => p.message.tool_calls);
    expect(withCalls).toHaveLength(1);
    expect(withCalls[0]?.done).toBe(false);
    expect(withCalls[0]?.message.tool_calls?.[0]?.function.arguments).toEqual({ city: 'sample' });

    const phi = await ollama.chat({ ...request, model: 'phi3' }).catch((e: unknown) => e);
    expect(phi).toMatchObject({ name: 'ResponseError', status_code: 400, error: 'registry.ollama.ai/library/phi3:latest does not support tools' });
  });

  it('follows scripts, and produces JSON for format json and for a schema', async () => {
    const { server, ollama } = await sim();
    server.control.setScripts([{ match: { pattern: 'capital' }, reply: { text: 'Paris.' } }]);
    expect((await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'The capital of France?' }] })).message.content).toBe('Paris.');
    const json = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'json please' }], format: 'json' });
    expect(JSON.parse(json.message.content)).toHaveProperty('result');
    const schema = { type: 'object', properties: { city: { type: 'string' }, temp: { type: 'number' } }, required: ['city', 'temp'] };
    const structured = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'weather' }], format: schema });
    expect(JSON.parse(structured.message.content)).toEqual({ city: 'sample', temp: 1 });
  });

  it('answers /api/generate with `response` and a `context`', async () => {
    const { ollama } = await sim({ outputTokens: 5 });
    const res = await ollama.generate({ model: 'llama3.2', prompt: 'Complete this' });
    expect(res.response?.length).toBeGreaterThan(0);
    expect(res.eval_count).toBe(5);
    expect(res.context.length).toBeGreaterThan(0);
  });

  it('reports errors in Ollama shape: 404 unknown model, 400 missing model and bad JSON', async () => {
    const { server, ollama } = await sim();
    const missing = await ollama.chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'ResponseError', status_code: 404, error: "model 'nope' not found" });
    const noModel = await fetch(`${server.url}/api/chat`, { method: 'POST', body: '{"messages":[]}' });
    expect([noModel.status, await noModel.json()]).toEqual([400, { error: 'model is required' }]);
    const badJson = await fetch(`${server.url}/api/chat`, { method: 'POST', body: 'hello' });
    expect([badJson.status, await badJson.json()]).toEqual([400, { error: "invalid character 'h' looking for beginning of value" }]);
    expect((await ollama.show({ model: 'llama3.2' })).capabilities).toContain('tools');
    await expect(ollama.show({ model: 'nope' })).rejects.toMatchObject({ status_code: 404 });
  });

  it('surfaces a mid-stream error line as a thrown error, and a status fault as ResponseError', async () => {
    const { server, ollama } = await sim();
    server.control.addFault({ kind: 'error-mid-stream', afterChunks: 3, times: 1 });
    const stream = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await expect(collect(stream)).rejects.toThrow('an error was encountered while running the model');
    server.control.addFault({ kind: 'status', status: 500, message: 'boom', match: { model: 'llama3.2:latest' }, times: 1 });
    await expect(ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status_code: 500, error: 'boom' });
    expect(server.control.stats()).toMatchObject({ requests: 2, faulted: 2, completed: 2 });
  });

  it('queues beyond numParallel and answers 503 beyond maxQueue', async () => {
    const { server, ollama } = await sim({ numParallel: 1, maxQueue: 2, firstTokenLatencyMs: 150 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const busy = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(3);
    expect(busy).toHaveLength(3);
    for (const r of busy) {
      expect(r.reason).toMatchObject({ status_code: 503, error: 'server busy, please try again.  maximum pending requests exceeded' });
    }
    expect(server.control.stats()).toMatchObject({ requests: 6, completed: 3, rejected: 3, inFlight: 0 });
  });

  it('pays the load time on first use only, and lists loaded models in /api/ps', async () => {
    const { server, ollama } = await sim({ loadTimeMs: 60 });
    const contextLength = async () => ((await (await fetch(`${server.url}/api/ps`)).json()) as { models: Array<{ context_length: number }> }).models[0]?.context_length;
    expect((await ollama.ps()).models).toEqual([]);
    const first = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'a' }] });
    const second = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'b' }] });
    expect(first.load_duration).toBeGreaterThanOrEqual(60e6);
    expect(second.load_duration).toBeLessThan(20e6);
    const loaded = (await ollama.ps()).models;
    expect(loaded.map((m) => m.name)).toEqual(['llama3.2:latest']);
    const expiresIn = new Date(loaded[0]?.expires_at ?? 0).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(4 * 60_000);
    expect(await contextLength()).toBe(4096);
    // num_ctx is a load-time option: a new value reloads the model.
    const bigger = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'c' }], options: { num_ctx: 8192 } });
    expect(bigger.load_duration).toBeGreaterThanOrEqual(60e6);
    expect(await contextLength()).toBe(8192);
    const same = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'd' }] });
    expect(same.load_duration).toBeLessThan(20e6);
  });

  it('loads with empty messages and unloads with keep_alive 0', async () => {
    const { ollama } = await sim();
    expect(await ollama.chat({ model: 'phi3', messages: [] })).toMatchObject({ done: true, done_reason: 'load' });
    expect((await ollama.ps()).models.map((m) => m.model)).toEqual(['phi3:latest']);
    expect(await ollama.chat({ model: 'phi3', messages: [], keep_alive: 0 })).toMatchObject({ done_reason: 'unload' });
    expect((await ollama.ps()).models).toEqual([]);
    await ollama.chat({ model: 'phi3', messages: [{ role: 'user', content: 'x' }], keep_alive: '10m' });
    const expiresIn = new Date((await ollama.ps()).models[0]?.expires_at ?? 0).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(9 * 60_000);
  });

  it('streams pull progress through ollama.pull and adds the model to the catalogue', async () => {
    const { ollama } = await sim();
    const statuses: Array<{ status: string; completed?: number; total?: number }> = [];
    for await (const p of await ollama.pull({ model: 'mistral:7b', stream: true })) statuses.push(p);
    expect(statuses[0]?.status).toBe('pulling manifest');
    expect(statuses.slice(-3).map((s) => s.status)).toEqual(['verifying sha256 digest', 'writing manifest', 'success']);
    const layer = statuses.filter((s) => s.status === statuses[1]?.status);
    expect(layer.length).toBeGreaterThan(2);
    expect(layer.at(-1)?.completed).toBe(layer.at(-1)?.total);
    expect((await ollama.list()).models.map((m) => m.name)).toContain('mistral:7b');
    expect(await ollama.pull({ model: 'tinyllama', stream: false })).toEqual({ status: 'success' });
  });

  it('fails a pull the registry cannot serve as Ollama does: an error line after "pulling manifest", a 500 without streaming', async () => {
    const { ollama } = await sim({ registry: ['mistral:7b'] });
    const statuses: string[] = [];
    const pulling = (async () => {
      for await (const p of await ollama.pull({ model: 'nosuch:1b', stream: true })) statuses.push(p.status);
    })();
    await expect(pulling).rejects.toThrow('pull model manifest: file does not exist');
    expect(statuses).toEqual(['pulling manifest']);
    await expect(ollama.pull({ model: 'nosuch:1b', stream: false })).rejects.toMatchObject({ status_code: 500, error: 'pull model manifest: file does not exist' });
    expect((await ollama.list()).models.map((m) => m.name)).not.toContain('nosuch:1b');
    expect(await ollama.pull({ model: 'mistral:7b', stream: false })).toEqual({ status: 'success' });
  });

  it('embeds deterministically as unit vectors, via /api/embed and legacy /api/embeddings', async () => {
    const { ollama } = await sim();
    const res = await ollama.embed({ model: 'nomic-embed-text', input: ['alpha', 'beta'] });
    expect(res.embeddings).toHaveLength(2);
    expect(res.embeddings[0]).toHaveLength(768);
    const norm = Math.hypot(...(res.embeddings[0] ?? []));
    expect(norm).toBeCloseTo(1, 6);
    expect((await ollama.embed({ model: 'nomic-embed-text', input: 'alpha' })).embeddings[0]).toEqual(res.embeddings[0]);
    expect((await ollama.embeddings({ model: 'nomic-embed-text', prompt: 'alpha' })).embedding).toEqual(res.embeddings[0]);
    await expect(ollama.chat({ model: 'nomic-embed-text', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status_code: 400 });
  });

  it('counts a client abort as cancelled and frees the slot', async () => {
    const { server, ollama } = await sim({ tokensPerSecond: 200, outputTokens: 200 });
    const stream = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'long' }], stream: true });
    let seen = 0;
    const reading = (async () => {
      for await (const _part of stream) {
        if (++seen === 3) stream.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await vi.waitFor(() => expect(server.control.stats()).toMatchObject({ cancelled: 1, inFlight: 0 }));
    // The slot was released: the next request runs.
    const res = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], options: { num_predict: 2 } });
    expect(res.done).toBe(true);
  });

  it('applies delivery and terminal faults the client can observe', async () => {
    const { server, ollama } = await sim();
    const ask = () => ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true }).then(collect);
    server.control.addFault({ kind: 'latency', ms: 60, times: 1 });
    const started = Date.now();
    await ask();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    server.control.addFault({ kind: 'drop-mid-stream', afterChunks: 2, times: 1 });
    await expect(ask()).rejects.toThrow();
    server.control.addFault({ kind: 'reset', times: 1 });
    await expect(ask()).rejects.toThrow();
    server.control.addFault({ kind: 'malformed', times: 1 });
    await expect(ask()).rejects.toThrow('Did not receive done or success response in stream.');
    // error-mid-stream before any byte: Ollama can still set the status.
    server.control.addFault({ kind: 'error-mid-stream', afterChunks: 0, times: 1 });
    await expect(ask()).rejects.toMatchObject({ status_code: 500 });
    // Faults match on the model after normalisation and on the last user message.
    server.control.addFault({ kind: 'status', status: 503, match: { model: 'llama3.2', pattern: '^secret' } });
    await expect(ollama.chat({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'secret plan' }] })).rejects.toMatchObject({ status_code: 503 });
    expect((await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'public plan' }] })).done).toBe(true);
    expect(server.control.stats()).toMatchObject({ faulted: 6, byModel: { 'llama3.2:latest': 7 } });
  });

  it('streams thinking before content for thinking models, and refuses think on others', async () => {
    const { ollama } = await sim({ models: ['qwen3:8b', 'llama3.2'], outputTokens: 8 });
    const parts = await collect(await ollama.chat({ model: 'qwen3:8b', messages: [{ role: 'user', content: 'why?' }], stream: true }));
    const firstContent = parts.findIndex((p) => p.message.content !== '');
    expect(parts.slice(0, firstContent).every((p) => (p.message.thinking ?? '') !== '')).toBe(true);
    expect(firstContent).toBeGreaterThan(0);
    const quiet = await ollama.chat({ model: 'qwen3:8b', messages: [{ role: 'user', content: 'why?' }], think: false });
    expect(quiet.message.thinking).toBeUndefined();
    await expect(ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], think: true })).rejects.toMatchObject({
      status_code: 400,
      error: '"llama3.2" does not support thinking',
    });
  });

  it('refuses bodies over maxBodyBytes with 413', async () => {
    const { server } = await sim({ maxBodyBytes: 100 });
    const res = await fetch(`${server.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x'.repeat(500) }] }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toHaveProperty('error');
  });

  it('serves the HTTP control endpoint', async () => {
    const { server, ollama } = await sim();
    const put = await fetch(`${server.url}/__sim/faults`, { method: 'PUT', body: JSON.stringify([{ kind: 'status', status: 429, times: 1 }]) });
    expect(put.status).toBe(200);
    await expect(ollama.list()).rejects.toMatchObject({ status_code: 429 });
    expect((await ollama.list()).models.length).toBeGreaterThan(0);
    const bad = await fetch(`${server.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status' }) });
    expect(bad.status).toBe(400);
    const stats = (await (await fetch(`${server.url}/__sim/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ requests: 2, byPath: { '/api/tags': 2 } });
    await fetch(`${server.url}/__sim/stats/reset`, { method: 'POST' });
    expect(server.control.stats().requests).toBe(0);
    expect(await (await fetch(server.url)).text()).toBe('Ollama is running');
    expect(await ollama.version()).toEqual({ version: '0.12.0' });
  });
});
