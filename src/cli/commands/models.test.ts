/**
 * `tollgate models`, `models pull` and `models fit` as a user runs them: the built bin in a child
 * process (run `npm run build` after changing src/), against simulated Ollama servers.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../ledger/ledger-record.js';
import { createSqliteLedgerStore } from '../../ledger/store/index.js';
import { startOllamaSim, type OllamaSimOptions, type SimServer } from '../../sim/index.js';
import { ledgerRecord } from '../../ledger/testing/ledger-record-fixture.js';

const bin = fileURLToPath(new URL('../../../bin/tollgate.js', import.meta.url));
const sims: SimServer[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function sim(options: OllamaSimOptions = {}): Promise<SimServer> {
  const server = await startOllamaSim(options);
  sims.push(server);
  return server;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

async function configFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-models-'));
  const file = join(dir, 'tollgate.yaml');
  await writeFile(file, yaml);
  return file;
}

describe('tollgate models', () => {
  it("lists each host's models with who uses them, loaded ones with their VRAM, and what the config uses that no host has", async () => {
    const ollama = await sim({ models: ['qwen2.5:7b', 'llama3.2', 'phi3', 'nomic-embed-text'] });
    await fetch(`${ollama.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'phi3', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
    const file = await configFile(
      [
        'ledger: { url: ":memory:" }',
        'providers:',
        `  ollama: { type: ollama, baseUrl: "${ollama.url}" }`,
        '  spare: { type: ollama, hosts: ["http://127.0.0.1:9"] }',
        'models:',
        '  kb-analysis: { target: ollama/qwen2.5:7b, numCtx: 8192 }',
        '  agent: ollama/llama3.2',
        '  backup: spare/phi3',
      ].join('\n'),
    );

    const table = await run(['models', '--config', file]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/qwen2\.5:7b\s+│\s+4\.7 GB │ Q4_K_M │ 7\.6B qwen2\s+│ no\s+│ alias kb-analysis, rule kb-analysis/);
    expect(table.stdout).toMatch(/phi3:latest\s+│\s+2\.2 GB │ Q4_0\s+│ 3\.8B phi3\s+│ yes, 2\.2 GB VRAM │ rule summary/);
    expect(table.stdout).toContain('unreachable: Could not reach spare at http://127.0.0.1:9/api/tags');
    expect(table.stdout).toContain(
      `missing: ollama/llama3.1:70b is used by rule reasoning but ${ollama.url} does not have it: tollgate models pull llama3.1:70b --host ${ollama.url}`,
    );
    expect(table.stdout).toContain('unchecked: spare/phi3 (used by alias backup): no host of spare answered');
    expect(table.stdout).not.toContain('\u001b['); // plain when piped: no colour codes

    const json = await run(['models', '--config', file, '--format', 'json']);
    const inventory = JSON.parse(json.stdout) as {
      hosts: Array<{ provider: string; reachable: boolean; models: Array<{ name: string; loaded: boolean; vramBytes: number | null; usedBy: string[] }> }>;
      missing: Array<{ model: string; command: string }>;
    };
    expect(inventory.hosts.map((host) => [host.provider, host.reachable])).toEqual([
      ['ollama', true],
      ['spare', false],
    ]);
    expect(inventory.hosts[0]?.models.find((model) => model.name === 'phi3:latest')).toMatchObject({ loaded: true, vramBytes: 2_176_178_913, usedBy: ['rule summary'] });
    expect(inventory.missing).toEqual([expect.objectContaining({ model: 'llama3.1:70b', command: `tollgate models pull llama3.1:70b --host ${ollama.url}` })]);
  });

  it('`models pull` shows progress to 100% and the model is then on the host; a refused pull exits non-zero with Ollama’s message', async () => {
    const ollama = await sim({ registry: ['mistral:7b'] });
    const file = await configFile(`ledger: { url: ":memory:" }\nproviders:\n  ollama: { type: ollama, baseUrl: "${ollama.url}" }\n`);

    const pulled = await run(['models', 'pull', 'mistral:7b', '--config', file]);
    expect(pulled.code).toBe(0);
    expect(pulled.stderr).toMatch(/success\s+\[█+\] 100% \| 4\.3 GB \/ 4\.3 GB/);
    expect(pulled.stdout).toContain(`mistral:7b is on ${ollama.url} (4.3 GB).`);
    const tags = (await (await fetch(`${ollama.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((model) => model.name)).toContain('mistral:7b');

    const refused = await run(['models', 'pull', 'nosuch:1b', '--host', ollama.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Could not pull nosuch:1b on ${ollama.url}: ollama failed mid-response: pull model manifest: file does not exist`);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const invalid = await run(['models', 'pull', 'not a name', '--host', ollama.url]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('ollama responded 400: invalid model name');
  });

  it('`models fit --gpu "RTX 3090"`: memory, fit and speed per model, measured from the ledger where it has any, as a table and as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-models-'));
    const ledgerPath = join(dir, 'ledger.db');
    const store = await createSqliteLedgerStore({ path: ledgerPath });
    await store.migrate();
    // One local answer from qwen2.5:7b: 600 output tokens in 12 s of generation = 50 tokens/s.
    await store.append([localRecord({ id: 'r1', ts: Date.now() - 3_600_000, model: 'qwen2.5:7b', outputText: 600, generationMs: 12_000 })]);
    await store.close();
    const file = await configFile(
      [
        `ledger: { url: "sqlite:${ledgerPath}" }`,
        'providers:',
        '  ollama: { type: ollama, baseUrl: "http://127.0.0.1:9" }',
        'models:',
        '  kb-analysis: ollama/qwen2.5:7b',
        '  code: ollama/mistral:7b',
      ].join('\n'),
    );

    const table = await run(['models', 'fit', '--gpu', 'RTX 3090', '--config', file]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('RTX 3090 (used): 24 GiB, 936 GB/s. Sizes in GiB.');
    expect(table.stdout).toMatch(/qwen2\.5:7b \(7\.6B\)\s+│ Q4_K_M │\s+8,192 │\s+4\.30 │\s+0\.44 │\s+0\.75 │\s+5\.49 │ yes, 18\.51 free\s+│\s+50\.0 measured │ alias kb-analysis, rule kb-analysis/);
    expect(table.stdout).toMatch(/llama3\.2 \(3\.2B\)\s+│ Q4_K_M │\s+8,192 │\s+1\.81 │\s+0\.88 │\s+0\.75 │\s+3\.44 │ yes, 20\.56 free\s+│\s+~312 estimate │/);
    expect(table.stdout).toMatch(/llama3\.1:70b \(70\.6B\)\s+│ Q4_K_M │\s+8,192 │\s+39\.84 │\s+2\.50 │\s+0\.75 │\s+43\.09 │ no, 19\.09 short\s+│\s+– │ rule reasoning/);
    expect(table.stdout).toMatch(/mistral:7b\s+│ \?\s+│\s+– │/);
    expect(table.stdout).toContain('mistral:7b: unknown: no host described it (Could not reach ollama at http://127.0.0.1:9/api/show');
    expect(table.stdout).toContain('estimate = 936 GB/s × 0.65 ÷ weights');

    const json = await run(['models', 'fit', '--gpu', 'rtx-4060-ti-16gb', '--context', '4096', '--format', 'json', '--config', file]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      gpu: { name: string; vramBytes: number; bandwidthGBps: number };
      models: Array<{ model: string; fits: boolean | null; memory: { weightsBytes: number; kvCacheBytes: number; totalBytes: number } | null; speed: { kind: string; tokensPerSecond?: number } }>;
    };
    expect(report.gpu).toMatchObject({ name: 'RTX 4060 Ti 16 GB', vramBytes: 16 * 1024 ** 3, bandwidthGBps: 288 });
    const qwen = report.models.find((model) => model.model === 'qwen2.5:7b');
    // 4,616,967,510 weights + 2 × 28 × 4,096 × 4 × 128 × 2 = 234,881,024 cache + 805,306,368 overhead
    expect(qwen).toMatchObject({ fits: true, memory: { weightsBytes: 4_616_967_510, kvCacheBytes: 234_881_024, totalBytes: 5_657_154_902 }, speed: { kind: 'measured', tokensPerSecond: 50 } });
    expect(report.models.find((model) => model.model === 'phi3')?.speed).toMatchObject({ kind: 'estimate', tokensPerSecond: (288e9 * 0.65) / 2_149_357_248 });
    expect(report.models.find((model) => model.model === 'mistral:7b')).toMatchObject({ fits: null, memory: null });

    const unknownGpu = await run(['models', 'fit', '--gpu', 'Voodoo 2', '--config', file]);
    expect(unknownGpu.code).toBe(1);
    expect(unknownGpu.stderr).toContain("'Voodoo 2' is not in the hardware catalogue");
  });
});

function localRecord(fields: { id: string; ts: number; model: string; outputText: number; generationMs: number }): LedgerRecord {
  return ledgerRecord({
    id: fields.id,
    ts: fields.ts,
    requestedModel: 'kb-analysis',
    rule: 'kb-analysis',
    attempts: [{ ref: `ollama/${fields.model}`, outcome: 'ok', latencyMs: fields.generationMs, retry: 0 }],
    model: fields.model,
    tokens: { inputUncached: 100, cacheRead: 0, cacheWrite: 0, outputText: fields.outputText, outputReasoning: 0, estimated: false },
    costUsd: 0.0001,
    latencyMs: fields.generationMs + 50,
    generationMs: fields.generationMs,
  });
}
