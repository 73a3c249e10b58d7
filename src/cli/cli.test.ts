/**
 * The `tollgate` command as a user runs it: the built bin in a child process. (`npm install`
 * builds dist/ through `prepare`; run `npm run build` after changing src/ by hand.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

/** Starts the bin and resolves with the first URL it prints. */
function startAndWaitForUrl(args: string[], pattern: RegExp): Promise<{ url: string; output: () => string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match?.[1]) resolve({ url: match[1], output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('tollgate CLI', () => {
  it('`sim ollama` serves the Ollama API to the official client', async () => {
    const { url } = await startAndWaitForUrl(['sim', 'ollama', '--port', '0'], /listening on (http:\/\/\S+)/);
    const ollama = new Ollama({ host: url });
    const reply = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(reply.message.content.length).toBeGreaterThan(0);
  });

  it('`demo` starts a gateway in front of simulators that answers an SDK', async () => {
    const { url, output } = await startAndWaitForUrl(['demo', '--port', '0'], /gateway on (http:\/\/\S+)/);
    expect(output()).toMatch(/SIMULATED/);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'cloud-fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('`serve` starts on a config file and `config check` reports a bad one by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
    const good = join(dir, 'good.yaml');
    await writeFile(good, `logging: { level: warn }\nledger: { url: "sqlite:${join(dir, 'ledger.db')}" }\nproviders:\n  ollama: { type: ollama, baseUrl: "http://127.0.0.1:9" }\n`);
    const { url } = await startAndWaitForUrl(['serve', '-c', good, '--port', '0'], /listening on (http:\/\/\S+)/);
    expect((await fetch(`${url}/health`)).status).toBe(200);

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'providers:\n  ollama: { type: ollama, baseUrl: "not a url" }\n');
    const checked = await run(['config', 'check', '-c', bad]);
    expect(checked.code).toBe(1);
    expect(checked.output).toContain('providers.ollama.baseUrl: expected an http(s) URL');
    expect(checked.output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('`mode` flips the kill switch of a running gateway, and SIGHUP reloads its config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
    const file = join(dir, 'tollgate.yaml');
    const providers = 'providers:\n  ollama: { type: ollama, baseUrl: "http://127.0.0.1:9" }\n  anthropic: { type: anthropic, apiKey: k, baseUrl: "http://127.0.0.1:9" }\n';
    await writeFile(file, `logging: { level: warn }\nledger: { url: ":memory:" }\nadmin: { key: cli-admin-key-0123456789 }\n${providers}models:\n  first: ollama/phi3\n`);
    const child = spawn(process.execPath, [bin, 'serve', '-c', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });

    const denied = await run(['mode', 'cloud-only', '--url', url, '--admin-key', 'wrong-key-0123456789']);
    expect(denied.code).toBe(1);
    expect(denied.output).toMatch(/401/);
    const set = await run(['mode', 'cloud-only', '--url', url, '--admin-key', 'cli-admin-key-0123456789']);
    expect(set.output).toContain('mode: cloud-only (overriding the configured auto)');
    const reset = await run(['mode', 'reset', '--url', url, '--admin-key', 'cli-admin-key-0123456789']);
    expect(reset.output).toContain('mode: auto');

    const aliases = async () => ((await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
    expect(await aliases()).toContain('first');
    await writeFile(file, `logging: { level: warn }\nadmin: { key: cli-admin-key-0123456789 }\n${providers}models:\n  second: ollama/phi3\n`);
    child.kill('SIGHUP');
    await expect.poll(aliases, { timeout: 5_000 }).toContain('second');
    await writeFile(file, 'providers: 7\n');
    child.kill('SIGHUP');
    await expect.poll(() => output, { timeout: 5_000 }).toMatch(/reload rejected, keeping the running configuration/);
    expect(await aliases()).toContain('second');
  });

  it('`keys create|list|revoke` manage keys in the ledger store; `serve` enforces them; `report` reads what was recorded', async () => {
    const { startOpenAISim } = await import('../sim/index.js');
    const sim = await startOpenAISim({});
    try {
      const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
      const file = join(dir, 'tollgate.yaml');
      await writeFile(
        file,
        `logging: { level: warn }\nledger: { url: "sqlite:${join(dir, 'ledger.db')}", flushIntervalMs: 10 }\n` +
          `providers:\n  openai: { type: openai, apiKey: k, baseUrl: "${sim.url}/v1" }\nmodels:\n  mini: openai/gpt-4o-mini\n`,
      );
      const created = await run(['keys', 'create', '--name', 'kb-analyzer', '--team', 'research', '--monthly-budget', '50', '--rpm', '100', '--format', 'json', '-c', file]);
      expect(created.code).toBe(0);
      const key = JSON.parse(created.output) as { id: string; secret: string; team: string; budget: { monthlyUsd: number; mode: string } };
      expect(key).toMatchObject({ team: 'research', budget: { monthlyUsd: 50, mode: 'hard' } });
      expect(key.secret).toMatch(/^tg_/);

      const listed = await run(['keys', 'list', '-c', file]);
      expect(listed.output).toContain(key.id);
      expect(listed.output).toContain('$50/month hard');
      expect(listed.output).not.toContain(key.secret);

      const { url } = await startAndWaitForUrl(['serve', '-c', file, '--port', '0'], /listening on (http:\/\/\S+)/);
      const withKey = new OpenAI({ baseURL: `${url}/v1`, apiKey: key.secret, maxRetries: 0 });
      await withKey.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: 'hello' }] });
      const without = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
      await expect(without.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: 'hello' }] })).rejects.toMatchObject({ status: 401 });
      // SIGTERM drains the ledger before the process exits.
      const serving = children.pop()!;
      const exited = new Promise((resolve) => serving.once('exit', resolve));
      serving.kill('SIGTERM');
      await exited;

      const report = await run(['report', '--since', '1h', '--by', 'target,key', '--format', 'csv', '-c', file]);
      expect(report.code).toBe(0);
      const lines = report.output.trim().split('\n');
      expect(lines[0]).toBe('target,key,requests,errors,fallbacks,input tok,output tok,cost $,cloud ref $,saved $,latency ms');
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^openai/gpt-4o-mini,${key.id},1,0,0,\\d+,\\d+,`)));
      expect(lines).toContainEqual(expect.stringMatching(/^\(none\),\(none\),1,1,/));
      const table = await run(['report', '--since', '1h', '--by', 'team', '-c', file]);
      expect(table.output).toMatch(/research/);
      expect(table.output).toMatch(/total/);

      const revoked = await run(['keys', 'revoke', key.id, '-c', file]);
      expect(revoked.output).toContain(`Revoked ${key.id}`);
      expect((await run(['keys', 'list', '-c', file])).output).toMatch(/revoked \d{4}-\d{2}-\d{2}/);
    } finally {
      await sim.close();
    }
  });
});
