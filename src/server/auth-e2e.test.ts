/**
 * Keys, budgets and rate limits end to end: official clients with and without keys, a cloud
 * budget running out, a key hitting its request rate. Every refusal is a clear error in the
 * client's dialect and still a ledger record.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../auth/index.js';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
let base: string;
/** A key with no limits, one with a tiny hard monthly cloud budget, one with 2 requests a minute. */
let plain: string;
let thrifty: string;
let slow: string;

beforeAll(async () => {
  stack = await startStack({
    config: () => ({
      routing: {
        rules: [
          { name: 'kb', match: { task: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] },
          { name: 'cloud', match: { task: 'cloud' }, targets: ['openai/gpt-4o'] },
        ],
      },
    }),
  });
  base = stack.gateway.url;
  const store = stack.gateway.ledger.store;
  // Keys exist before the first request, as in a deployment that has run `tollgate keys create`.
  plain = (await createKey(store, { name: 'analyzer', team: 'research' }, Date.now())).secret;
  thrifty = (await createKey(store, { name: 'thrifty', team: 'ops', budget: { monthlyUsd: 0.000001, mode: 'hard' } }, Date.now())).secret;
  slow = (await createKey(store, { name: 'slow', limits: { requestsPerMinute: 2 } }, Date.now())).secret;
});
afterAll(() => stack.close());

async function recordOf(requestId: string | null): Promise<LedgerRecord> {
  let found: LedgerRecord | undefined;
  await expect
    .poll(async () => {
      await stack.gateway.ledger.flush();
      found = (await stack.gateway.ledger.store.records({ limit: 10_000 })).find((record) => record.id === requestId);
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

function ask(key: string | undefined, taskName: string, body: object = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-tollgate-task': taskName };
  if (key) headers.authorization = `Bearer ${key}`;
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], ...body }),
  });
}

describe('keys', () => {
  it('once keys exist, a call without one is refused (401) and recorded', async () => {
    const response = await ask(undefined, 'kb-analysis');
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toMatch(/missing API key/);
    expect(await recordOf(response.headers.get('x-request-id'))).toMatchObject({ outcome: 'error', httpStatus: 401, errorCode: 'authentication_failed', keyId: null });
  });

  it('a wrong key is refused without being echoed', async () => {
    const response = await ask('tg_not-a-real-key', 'kb-analysis');
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('tg_not-a-real-key');
  });

  it('the official clients authenticate with Bearer (OpenAI) and x-api-key (Anthropic); records carry key and team', async () => {
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: plain, maxRetries: 0 });
    const viaOpenAI = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-tollgate-task': 'kb-analysis' } }).withResponse();
    const anthropic = new Anthropic({ baseURL: base, apiKey: plain, maxRetries: 0 });
    const viaAnthropic = await anthropic.messages.create({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-tollgate-task': 'kb-analysis' } }).withResponse();
    for (const response of [viaOpenAI.response, viaAnthropic.response]) {
      const record = await recordOf(response.headers.get('x-request-id'));
      expect(record.keyId).toMatch(/^key_/);
      expect(record.team).toBe('research');
    }
    const usage = (await (await fetch(`${base}/api/usage?since=1h&by=team`)).json()) as { rows: Array<{ group: { team: string | null }; requests: number }> };
    expect(usage.rows.find((row) => row.group.team === 'research')?.requests).toBeGreaterThanOrEqual(2);
  });
});

describe('budgets', () => {
  it('a spent hard cloud budget refuses cloud-only work (402 budget_exceeded) and serves local-capable work locally', async () => {
    // The first cloud call is allowed and spends more than the whole budget.
    const first = await ask(thrifty, 'cloud');
    expect(first.status).toBe(200);
    const spent = await recordOf(first.headers.get('x-request-id'));
    expect(spent.costUsd).toBeGreaterThan(0.000001);

    const refused = await ask(thrifty, 'cloud');
    expect(refused.status).toBe(402);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    const error = ((await refused.json()) as { error: { message: string; code: string } }).error;
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toMatch(/monthly/);
    expect(await recordOf(refused.headers.get('x-request-id'))).toMatchObject({ outcome: 'error', errorCode: 'budget_exceeded', httpStatus: 402 });

    // Work with a local target still runs, locally only, and says why.
    stack.ollama.control.setFaults([{ kind: 'status', status: 500, match: { path: '/api/chat' } }]);
    const local = await ask(thrifty, 'kb-analysis');
    // Local failed and the cloud is off limits: a clear error, not a silent cloud charge.
    expect(local.status).toBe(502);
    const failed = await recordOf(local.headers.get('x-request-id'));
    expect(failed.attempts.map((attempt) => attempt.ref)).not.toContain('anthropic/claude-haiku-5-5');
    stack.ollama.control.clearFaults();
    const again = await ask(thrifty, 'kb-analysis');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-tollgate-target')).toBe('ollama/qwen2.5:7b');
    expect(again.headers.get('x-tollgate-budget')).toMatch(/Served locally/);
  });

  it('a spent cloud budget refuses cloud embeddings and still serves local ones', async () => {
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: thrifty, maxRetries: 0 });
    await expect(openai.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['x'] })).rejects.toMatchObject({ status: 402 });
    const local = await openai.embeddings.create({ model: 'embed', input: ['x'] });
    expect(local.data).toHaveLength(1);
  });

  it('the Anthropic SDK sees a 402 as a billing error and does not retry it', async () => {
    const anthropic = new Anthropic({ baseURL: base, apiKey: thrifty, maxRetries: 2 });
    const before = stack.openai.control.stats().requests;
    await expect(anthropic.messages.create({ model: 'auto', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-tollgate-task': 'cloud' } })).rejects.toMatchObject({
      status: 402,
      error: { type: 'error', error: { type: 'billing_error' } },
    });
    expect(stack.openai.control.stats().requests).toBe(before);
  });
});

describe('rate limits', () => {
  it('a key over its requests per minute gets 429 with retry-after, recorded', async () => {
    expect((await ask(slow, 'kb-analysis')).status).toBe(200);
    expect((await ask(slow, 'kb-analysis')).status).toBe(200);
    const limited = await ask(slow, 'kb-analysis');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await recordOf(limited.headers.get('x-request-id'))).toMatchObject({ outcome: 'error', errorCode: 'rate_limited', httpStatus: 429 });
    // Other keys are not affected.
    expect((await ask(plain, 'kb-analysis')).status).toBe(200);
  });
});
