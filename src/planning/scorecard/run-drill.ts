import { performance } from 'node:perf_hooks';
import type { DrillRecord, DrillRequest } from '../../ledger/ledger-store.js';
import { checkDrillResponse, type ActiveDrill, type DrillResponse } from './drill-protocol.js';

export interface RunDrillOptions {
  /** The running gateway, e.g. http://127.0.0.1:4000. */
  readonly url: string;
  /** For the admin endpoints; absent works only on loopback with no admin key configured. */
  readonly adminKey?: string;
  /** A gateway key for the chat requests (`tg_…`), when keys are enforced. */
  readonly apiKey?: string;
  /** Chat requests to send: the kinds of `DRILL_CALL_KINDS` in turn, the aliases in turn. */
  readonly requests: number;
  /** After this the gateway ends the drill by itself, whatever happens here. */
  readonly maxDurationMs?: number;
  /** Injected for tests. */
  readonly fetch?: typeof fetch;
  /** Called with each request's result as it comes. */
  readonly onRequest?: (request: DrillRequest, index: number) => void;
  /** Called once the drill is running. */
  readonly onStart?: (drill: ActiveDrill) => void;
}

export interface DrillOutcome {
  readonly drill: ActiveDrill;
  /** What the gateway stored; undefined when ending failed (then `error` says why). */
  readonly record: DrillRecord | undefined;
  readonly requests: readonly DrillRequest[];
  /** Something went wrong outside the requests' own checks (sending stopped, ending failed). */
  readonly error: string | undefined;
}

/**
 * `tollgate drill`: starts a drill on the gateway, sends real chat requests through it as any
 * client would, checks each was answered by the cloud after the local target failed, and ends the
 * drill with the results, always (in `finally`); the gateway stores them. Throws only when the
 * drill could not be started.
 */
export async function runDrill(options: RunDrillOptions): Promise<DrillOutcome> {
  const call = options.fetch ?? fetch;
  const admin = adminClient(call, options);
  const drill = (await admin('POST', '/admin/drill', options.maxDurationMs !== undefined ? { maxDurationMs: options.maxDurationMs } : {})) as ActiveDrill;
  options.onStart?.(drill);
  const requests: DrillRequest[] = [];
  let error: string | undefined;
  let record: DrillRecord | undefined;
  try {
    for (let index = 0; index < options.requests; index++) {
      const request = await sendDrillRequest(call, options, drill, index);
      requests.push(request);
      options.onRequest?.(request, index);
    }
  } catch (thrown) {
    error = `sending stopped: ${messageOf(thrown)}`;
  } finally {
    try {
      record = (await admin('POST', `/admin/drill/${encodeURIComponent(drill.id)}/end`, { requests })) as DrillRecord;
    } catch (thrown) {
      error = [error, `ending the drill failed: ${messageOf(thrown)}`].filter(Boolean).join('; ');
    }
  }
  return { drill, record, requests, error };
}

/** A drill's requests take these in turn: every four requests cover both dialects, streamed and not. */
const DRILL_CALL_KINDS = [
  { dialect: 'openai', stream: false },
  { dialect: 'anthropic', stream: false },
  { dialect: 'openai', stream: true },
  { dialect: 'anthropic', stream: true },
] as const;

async function sendDrillRequest(call: typeof fetch, options: RunDrillOptions, drill: ActiveDrill, index: number): Promise<DrillRequest> {
  const { dialect, stream } = DRILL_CALL_KINDS[index % DRILL_CALL_KINDS.length]!;
  // The aliases take turns too, shifted by one after every four requests: with an even number of
  // aliases, plain turns would give one alias only OpenAI requests and the next only Anthropic ones.
  const route = drill.routes[(index + Math.floor(index / DRILL_CALL_KINDS.length)) % drill.routes.length]!;
  const requestId = `${drill.id}-${index + 1}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-tollgate-task': drill.task, 'x-request-id': requestId };
  if (dialect === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  if (options.apiKey) {
    if (dialect === 'openai') headers.authorization = `Bearer ${options.apiKey}`;
    else headers['x-api-key'] = options.apiKey;
  }
  // A different prompt each time: no response cache may answer for the cloud.
  const messages = [{ role: 'user', content: `Fallback drill ${drill.id}, request ${index + 1}: reply with the word OK.` }];
  const body = JSON.stringify({ model: route.model, max_tokens: 16, stream, messages });
  const path = dialect === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  const started = performance.now();
  let response: DrillResponse;
  try {
    const answer = await call(new URL(path, options.url), { method: 'POST', headers, body, signal: AbortSignal.timeout(Math.max(5_000, drill.endsAt - drill.startedAt)) });
    const text = await answer.text();
    response = { dialect, stream, status: answer.status, target: answer.headers.get('x-tollgate-target'), fallback: answer.headers.get('x-tollgate-fallback'), body: text };
  } catch (thrown) {
    response = { dialect, stream, status: 0, target: null, fallback: null, body: messageOf(thrown) };
  }
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const verdict = checkDrillResponse(response, route, drill.localTargets);
  return { requestId, dialect, stream, model: route.model, status: response.status, target: response.target, fallback: response.fallback, latencyMs, ...verdict };
}

function adminClient(call: typeof fetch, options: RunDrillOptions) {
  return async (method: string, path: string, body: unknown): Promise<unknown> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.adminKey) headers.authorization = `Bearer ${options.adminKey}`;
    let response: Response;
    try {
      response = await call(new URL(path, options.url), { method, headers, body: JSON.stringify(body) });
    } catch (error) {
      throw new Error(`Cannot reach the gateway at ${options.url}: ${messageOf(error)}`);
    }
    const json = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}: ${json.error?.message ?? 'request failed'}`);
    return json;
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  return String(error);
}
