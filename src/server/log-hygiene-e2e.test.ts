/**
 * What reaches the logs: with the gateway's own logger at trace level writing to a buffer, real
 * clients send a real key and a recognisable prompt down every path that logs (answers, streams,
 * upstream failures, bad JSON, invalid fields, a wrong key, the admin API, a scrape, a malformed
 * HTTP request). Neither the key nor the prompt may appear, and every request's line carries its
 * id. With `logging.prompts` on, the prompt does appear, under its request id.
 */
import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../auth/index.js';
import { startStack, type Stack } from '../test-support/stack.js';
import { createGatewayLogger } from './gateway-logger.js';

/** Short, because V8 quotes only ten characters of a bad JSON body after the error. */
const MARKER = 'ZQX7731';
const PROMPT = `${MARKER} is my secret question`;
const ADMIN_KEY = 'admin-key-LOGTEST-0123456789';
const METRICS_TOKEN = 'metrics-token-LOGTEST-0123';
const WRONG_KEY = 'tg-wrong-LOGTEST-key-0123456789';

interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly reqId?: string;
  readonly [field: string]: unknown;
}

/** A gateway whose logs go to memory, with one API key. */
async function loggedStack(prompts: boolean): Promise<{ stack: Stack; lines: string[]; secret: string }> {
  const lines: string[] = [];
  const logger = createGatewayLogger({ level: 'trace', prompts }, { write: (line: string) => void lines.push(line) });
  const stack = await startStack({
    logger,
    config: () => ({
      logging: { level: 'trace', prompts },
      admin: { key: ADMIN_KEY },
      metrics: { token: METRICS_TOKEN },
      routing: {
        defaults: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
        cloudFallback: [],
        rules: [
          { name: 'kb', match: { task: 'kb-analysis' }, targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'] },
          { name: 'mini', match: { task: 'mini' }, targets: ['openai/gpt-4o-mini'] },
        ],
      },
    }),
  });
  const { secret } = await createKey(stack.gateway.ledger.store, { name: 'log-test' }, Date.now());
  return { stack, lines, secret };
}

/** Sends an HTTP request the parser rejects, carrying the key; fastify logs the parse error at trace. */
function malformedRequest(port: number, secret: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}\r\nBad Header\r\n\r\n${PROMPT}`);
    });
    socket.on('data', () => undefined);
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

describe('logs, prompt logging off (the default)', () => {
  let stack: Stack;
  let lines: string[];
  let secret: string;
  let requestLines: LogLine[];
  const ids: string[] = [];

  beforeAll(async () => {
    ({ stack, lines, secret } = await loggedStack(false));
    const base = stack.gateway.url;
    const startup = lines.length;
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: secret, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: base, apiKey: secret, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: PROMPT }];
    const keep = (response: Response) => ids.push(response.headers.get('x-request-id') ?? 'missing');

    keep((await openai.chat.completions.create({ model: 'auto', messages }, { headers: { 'x-tollgate-task': 'mini' } }).withResponse()).response);
    const streamed = await openai.chat.completions.create({ model: 'auto', messages, stream: true }, { headers: { 'x-tollgate-task': 'kb-analysis' } }).withResponse();
    for await (const chunk of streamed.data) void chunk;
    keep(streamed.response);
    keep((await anthropic.messages.create({ model: 'auto', max_tokens: 50, messages }, { headers: { 'x-tollgate-task': 'kb-analysis' } }).withResponse()).response);
    // An upstream failure (logged at warn), with its own message.
    stack.openai.control.setFaults([{ kind: 'status', status: 500 }]);
    const failed = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'x-tollgate-task': 'mini' },
      body: JSON.stringify({ model: 'auto', messages }),
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    keep(failed);
    stack.openai.control.clearFaults();
    // Bad JSON: V8's message quotes the body. An invalid field: our message quotes the value.
    for (const body of [`{"model": "auto", "messages": [{"role": "user", "content": ${PROMPT}}]}`, JSON.stringify({ model: 'auto', messages: [{ role: PROMPT, content: 'x' }] })]) {
      const response = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': secret, 'content-type': 'application/json' }, body });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(MARKER); // the client is told; the log is not
      keep(response);
    }
    const refused = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${WRONG_KEY}` }, body: JSON.stringify({ model: 'auto', messages }) });
    expect(refused.status).toBe(401);
    keep(refused);
    // The admin API (the kill switch logs who changed the mode) and a scrape.
    for (const mode of ['cloud-only', null]) {
      const response = await fetch(`${base}/admin/mode`, { method: 'PUT', headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
      expect(response.status).toBe(200);
      keep(response);
    }
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    await malformedRequest(stack.gateway.port, secret);
    await stack.gateway.ledger.flush();
    requestLines = lines.slice(startup).map((line) => JSON.parse(line) as LogLine);
  });
  afterAll(() => stack.close());

  it('has neither the key, the prompt, the admin key nor the metrics token anywhere', () => {
    const text = lines.join('');
    expect(requestLines.length).toBeGreaterThanOrEqual(6); // the failures and the mode changes were logged
    for (const secretText of [secret, secret.slice(-12), MARKER, ADMIN_KEY, METRICS_TOKEN, WRONG_KEY]) expect(text).not.toContain(secretText);
  });

  it('says what went wrong without quoting the request', () => {
    const invalid = requestLines.filter((line) => line['code'] === 'invalid_json' || line['code'] === 'invalid_request');
    expect(invalid.map((line) => [line['code'], line.reqId])).toEqual([
      ['invalid_json', ids[4]],
      ['invalid_request', ids[5]],
    ]);
    expect(invalid[1]).toMatchObject({ param: 'messages.0.role', msg: expect.stringContaining('withheld') });
    expect(requestLines.find((line) => line['code'] === 'upstream_error')).toMatchObject({ reqId: ids[3], msg: expect.stringContaining('openai') });
    expect(requestLines.find((line) => line['code'] === 'authentication_failed')).toMatchObject({ reqId: ids[6] });
  });

  it('censors the raw bytes of a malformed request', () => {
    const clientError = requestLines.find((line) => line.msg === 'client error');
    expect(clientError).toMatchObject({ err: { rawPacket: '[redacted]' } });
  });

  it('gives every request-scoped line its request id', () => {
    // Background work (target polling, ledger writes, budget refreshes) belongs to no request, and
    // a connection the HTTP parser refused never became one.
    const background = /^(monitor|ledger|budgets|rate limits): /;
    const scoped = requestLines.filter((line) => line.msg !== 'client error' && !background.test(line.msg ?? ''));
    expect(scoped.length).toBeGreaterThan(0);
    for (const line of scoped) expect(line, JSON.stringify(line)).toHaveProperty('reqId', expect.any(String));
    expect(requestLines.filter((line) => line.msg === 'routing mode changed').map((line) => line.reqId)).toEqual([ids[7], ids[8]]);
  });
});

describe('logs, prompt logging on', () => {
  let stack: Stack;
  let lines: string[];
  let secret: string;
  beforeAll(async () => {
    ({ stack, lines, secret } = await loggedStack(true));
  });
  afterAll(() => stack.close());

  it('logs the messages at debug under the request id, and still never the key', async () => {
    const openai = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: secret, maxRetries: 0 });
    const { response } = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: PROMPT }] }, { headers: { 'x-tollgate-task': 'mini' } }).withResponse();
    const requestId = response.headers.get('x-request-id');
    const logged = lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === 'prompt');
    expect(logged).toEqual([expect.objectContaining({ level: 20, reqId: requestId, messages: [expect.objectContaining({ role: 'user' })] })]);
    expect(JSON.stringify(logged[0])).toContain(MARKER);
    expect(lines.join('')).not.toContain(secret);
  });
});
