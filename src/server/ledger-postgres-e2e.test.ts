/**
 * The gateway on a PostgreSQL ledger (`ledger.url: postgres://…`), as a team runs it: records,
 * keys, budgets and reports through the same code paths as with SQLite, on a real server.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../auth/index.js';
import { startPostgres, type TestPostgres } from '../test-support/postgres.js';
import { startStack, type Stack } from '../test-support/stack.js';

let postgres: TestPostgres;
let stack: Stack;

beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.newDatabase();
  stack = await startStack({ config: () => ({ ledger: { url, flushIntervalMs: 10 } }) });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await postgres?.stop();
});

describe('a gateway on PostgreSQL', () => {
  it('records every request, keys included, and reports from its rollups', async () => {
    expect(stack.gateway.ledger.store.kind).toBe('postgres');
    const { secret, key } = await createKey(stack.gateway.ledger.store, { name: 'pg-team-key', team: 'platform' }, Date.now());
    const client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: secret, maxRetries: 0 });
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'kb-analysis', messages: [{ role: 'user', content: `question ${i}` }] }, { headers: { 'x-tollgate-task': 'kb-analysis' } });
    await expect(new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'tg_wrong', maxRetries: 0 }).chat.completions.create({ model: 'kb-analysis', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });

    await expect
      .poll(async () => {
        await stack.gateway.ledger.flush();
        return (await stack.gateway.ledger.store.records({ limit: 100 })).length;
      })
      .toBe(4);
    const records = await stack.gateway.ledger.store.records({ limit: 100 });
    expect(records.filter((record) => record.keyId === key.id && record.outcome === 'ok' && record.local)).toHaveLength(3);
    expect(records.filter((record) => record.errorCode === 'authentication_failed')).toHaveLength(1);

    const usage = (await (await fetch(`${stack.gateway.url}/api/usage?since=1h&by=team,target`)).json()) as { rows: Array<{ group: Record<string, string | null>; requests: number; savingsUsd: number }> };
    const team = usage.rows.find((row) => row.group.team === 'platform');
    expect(team).toMatchObject({ requests: 3, group: { target: 'ollama/qwen2.5:7b' } });
    expect(team!.savingsUsd).toBeCloseTo(records.filter((record) => record.keyId === key.id).reduce((sum, record) => sum + (record.savingsUsd ?? 0), 0), 12);
  });
});
