import { performance } from 'node:perf_hooks';
import { goTimestamp, isRecord } from '../common/http-util.js';
import { planReply } from '../common/reply-planner.js';
import type { PlannedReply, ToolSpec } from '../common/reply-planner.js';
import type { BodyPlan, StreamFrame, Timing } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import type { SimContext, SimRequest } from '../common/sim-server.js';
import { createRng, randomString } from '../common/text-generator.js';
import { countTokens, tokenIds } from '../common/tokens.js';
import type { OllamaCatalogue, OllamaModel } from './ollama-catalogue.js';
import { normalizeOllamaName, qualifiedOllamaName } from './ollama-catalogue.js';
import { parseKeepAlive, QueueFullError } from './ollama-scheduler.js';
import type { Lease, OllamaScheduler } from './ollama-scheduler.js';

/**
 * `/api/chat` and `/api/generate`: validation with Ollama's own messages, scheduling (queue, load,
 * keep-alive), and the NDJSON / JSON answer with metrics in nanoseconds.
 */

export interface OllamaEnv {
  readonly catalogue: OllamaCatalogue;
  readonly scheduler: OllamaScheduler;
  readonly errorPlan: (status: number, message?: string) => BodyPlan;
  readonly nextSeed: () => number;
}

type Endpoint = 'chat' | 'generate';

interface Completion {
  readonly endpoint: Endpoint;
  /** The model name as the client sent it (Ollama echoes it unchanged). */
  readonly model: string;
  readonly info: OllamaModel;
  readonly stream: boolean;
  readonly keepAliveMs: number | undefined;
  /** No messages / empty prompt: only load (or unload) the model. */
  readonly loadOnly: boolean;
  readonly promptText: string;
  readonly lastUserText: string | undefined;
  readonly scriptText: string | undefined;
  readonly tools: ToolSpec[];
  readonly json: { schema?: unknown } | undefined;
  readonly numPredict: number | undefined;
  readonly stop: string[] | undefined;
  readonly seed: number | undefined;
  readonly think: boolean;
  /** `options.num_ctx`: a load-time option; a change reloads the model. */
  readonly numCtx: number | undefined;
}

const NDJSON = 'application/x-ndjson';

function goType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** Go's encoding/json message for a field of the wrong type. */
function typeError(value: unknown, struct: string, field: string, want: string): string {
  return `json: cannot unmarshal ${goType(value)} into Go struct field ${struct}.${field} of type ${want}`;
}

export function messageText(message: Record<string, unknown>): string {
  return typeof message.content === 'string' ? message.content : '';
}

function parse(endpoint: Endpoint, req: SimRequest, env: OllamaEnv): Completion | BodyPlan {
  const bad = (message: string): BodyPlan => env.errorPlan(400, message);
  if (!req.json.ok) return bad(req.json.empty ? 'missing request body' : req.json.message);
  const body = req.json.value;
  const struct = endpoint === 'chat' ? 'ChatRequest' : 'GenerateRequest';
  if (!isRecord(body)) return bad(`json: cannot unmarshal ${goType(body)} into Go value of type api.${struct}`);
  if (body.model !== undefined && typeof body.model !== 'string') return bad(typeError(body.model, struct, 'model', 'string'));
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    return bad(typeError(body.stream, struct, 'stream', 'bool'));
  }
  const model = typeof body.model === 'string' ? body.model : '';
  if (model.trim() === '') return bad('model is required');
  const info = env.catalogue.get(model);
  if (!info) return env.errorPlan(404, `model '${model}' not found`);
  const keepAlive = parseKeepAlive(body.keep_alive);
  if (!keepAlive.ok) return bad(keepAlive.message);
  const options = isRecord(body.options) ? body.options : {};

  let promptText: string;
  let lastUserText: string | undefined;
  let scriptText: string | undefined;
  let loadOnly: boolean;
  let tools: ToolSpec[] = [];
  if (endpoint === 'chat') {
    if (body.messages !== undefined && body.messages !== null && !Array.isArray(body.messages)) {
      return bad(typeError(body.messages, struct, 'messages', '[]api.Message'));
    }
    const messages: unknown[] = Array.isArray(body.messages) ? body.messages : [];
    const texts: string[] = [];
    for (const m of messages) {
      if (!isRecord(m)) return bad(`json: cannot unmarshal ${goType(m)} into Go value of type api.Message`);
      if (m.content !== undefined && m.content !== null && typeof m.content !== 'string') {
        return bad(typeError(m.content, 'ChatRequest', 'messages.content', 'string'));
      }
      texts.push(messageText(m));
      if (Array.isArray(m.tool_calls)) texts.push(JSON.stringify(m.tool_calls));
      if (m.role === 'user') scriptText = messageText(m);
    }
    const last = messages.at(-1);
    lastUserText = isRecord(last) && last.role === 'user' ? messageText(last) : undefined;
    loadOnly = messages.length === 0;
    if (Array.isArray(body.tools)) {
      tools = body.tools.flatMap((t) => {
        const fn = isRecord(t) && isRecord(t.function) ? t.function : undefined;
        return fn && typeof fn.name === 'string' ? [{ name: fn.name, schema: fn.parameters }] : [];
      });
      texts.push(JSON.stringify(body.tools));
    }
    promptText = texts.join('\n');
  } else {
    if (body.prompt !== undefined && body.prompt !== null && typeof body.prompt !== 'string') {
      return bad(typeError(body.prompt, struct, 'prompt', 'string'));
    }
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    if (body.raw === true && (body.template !== undefined || body.system !== undefined || body.context !== undefined)) {
      return bad('raw mode does not support template, system, or context');
    }
    const system = typeof body.system === 'string' ? body.system : '';
    promptText = system === '' ? prompt : `${system}\n${prompt}`;
    lastUserText = prompt;
    scriptText = prompt;
    loadOnly = prompt === '';
  }

  const caps = info.capabilities;
  if (!loadOnly || keepAlive.ms !== 0) {
    if (!caps.includes('completion')) return bad(`"${model}" does not support ${endpoint}`);
    if (tools.length > 0 && !caps.includes('tools')) return bad(`${qualifiedOllamaName(model)} does not support tools`);
  }
  const thinkRequested = body.think === undefined || body.think === null ? undefined : body.think !== false;
  if (thinkRequested === true && !caps.includes('thinking')) return bad(`"${model}" does not support thinking`);

  const format = body.format;
  const json = format === 'json' ? {} : isRecord(format) ? { schema: format } : undefined;
  const numPredict = typeof options.num_predict === 'number' && options.num_predict >= 0 ? options.num_predict : undefined;
  const stop = Array.isArray(options.stop) ? options.stop.filter((s): s is string => typeof s === 'string') : undefined;
  return {
    endpoint,
    model,
    info,
    stream: body.stream !== false,
    keepAliveMs: keepAlive.ms,
    loadOnly,
    promptText,
    lastUserText,
    scriptText,
    tools,
    json,
    numPredict,
    stop,
    seed: typeof options.seed === 'number' ? options.seed : undefined,
    // Thinking models think unless told not to, as Ollama defaults `think` for them.
    think: caps.includes('thinking') && thinkRequested !== false,
    numCtx: typeof options.num_ctx === 'number' && options.num_ctx > 0 ? Math.floor(options.num_ctx) : undefined,
  };
}

export async function handleCompletion(endpoint: Endpoint, req: SimRequest, ctx: SimContext, env: OllamaEnv): Promise<void> {
  const parsed = parse(endpoint, req, env);
  if ('kind' in parsed) {
    await ctx.send(parsed);
    return;
  }
  const c = parsed;
  const name = c.info.name;

  if (c.loadOnly) {
    if (c.keepAliveMs === 0) {
      env.scheduler.unload(name);
      await ctx.send(jsonPlan(200, doneOnly(c, 'unload')));
      return;
    }
    if (!(await env.scheduler.ensureLoaded(name, ctx.signal, c.numCtx))) return;
    await ctx.send(jsonPlan(200, doneOnly(c, 'load')));
    return;
  }

  let lease: Lease | undefined;
  try {
    lease = await env.scheduler.acquire(name, ctx.signal);
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error;
    ctx.markRejected();
    await ctx.send(env.errorPlan(503, error.message));
    return;
  }
  if (!lease) {
    // The client left while queued: Ollama answers 499 (nobody reads it) and logs it.
    await ctx.send(env.errorPlan(499, 'request canceled'));
    return;
  }
  try {
    if (!(await env.scheduler.ensureLoaded(name, ctx.signal, c.numCtx))) return;
    const loadedAt = performance.now();
    const reply = planReply(
      {
        model: name,
        promptText: c.promptText,
        lastUserText: c.lastUserText,
        scriptText: c.scriptText,
        tools: c.tools,
        toolMode: { type: 'auto' },
        json: c.json,
        maxTokens: c.numPredict,
        stop: c.stop,
        seed: c.seed,
        reasoningTokens: c.think ? Math.max(8, Math.round(ctx.planner.outputTokens / 2)) : 0,
      },
      ctx.planner,
    );
    const promptTokens = countTokens(c.promptText);
    const metrics = (t: Timing): Record<string, number> => durations(t, lease.grantedAt, loadedAt, promptTokens, reply.outputTokens);
    const toolCalls = ollamaToolCalls(reply, env.nextSeed());
    const doneReason = reply.finish === 'length' ? 'length' : 'stop';
    await ctx.send(c.stream ? streamPlan(c, reply, toolCalls, doneReason, metrics) : bodyPlan(c, reply, toolCalls, doneReason, metrics));
  } finally {
    lease.release(c.keepAliveMs);
  }
}

function doneOnly(c: Completion, reason: 'load' | 'unload'): Record<string, unknown> {
  const base = { model: c.model, created_at: goTimestamp() };
  return c.endpoint === 'chat'
    ? { ...base, message: { role: 'assistant', content: '' }, done: true, done_reason: reason }
    : { ...base, response: '', done: true, done_reason: reason };
}

/** Durations in ns from real clock readings, never zero (Ollama omits zeros; tok/s must divide). */
function durations(t: Timing, grantedAt: number, loadedAt: number, promptTokens: number, evalCount: number): Record<string, number> {
  const ns = (ms: number): number => Math.max(0, Math.round(ms * 1e6));
  const load = Math.max(1_000, ns(loadedAt - grantedAt));
  const promptEval = Math.max(ns(t.firstTokenAt - loadedAt), 1_000 * Math.max(1, promptTokens));
  const evalNs = Math.max(ns(t.endAt - t.firstTokenAt), 1_000 * Math.max(1, evalCount));
  const total = Math.max(ns(t.endAt - t.start), load + promptEval + evalNs);
  const out: Record<string, number> = { total_duration: total, load_duration: load };
  if (promptTokens > 0) out.prompt_eval_count = promptTokens;
  out.prompt_eval_duration = promptEval;
  if (evalCount > 0) out.eval_count = evalCount;
  out.eval_duration = evalNs;
  return out;
}

interface OllamaToolCall {
  readonly id: string;
  readonly function: { readonly index: number; readonly name: string; readonly arguments: Record<string, unknown> };
}

function ollamaToolCalls(reply: PlannedReply, seed: number): OllamaToolCall[] {
  const rng = createRng(seed);
  return reply.toolCalls.map((call, index) => ({
    id: `call_${randomString(rng, 'abcdefghijklmnopqrstuvwxyz0123456789', 8)}`,
    function: { index, name: call.name, arguments: call.arguments },
  }));
}

function chunk(c: Completion, created: string, fields: Record<string, unknown>, done: boolean): string {
  if (c.endpoint === 'chat') {
    return `${JSON.stringify({ model: c.model, created_at: created, message: { role: 'assistant', content: '', ...fields }, done })}\n`;
  }
  const { content, ...rest } = fields;
  return `${JSON.stringify({ model: c.model, created_at: created, response: content ?? '', ...rest, done })}\n`;
}

function streamPlan(
  c: Completion,
  reply: PlannedReply,
  toolCalls: OllamaToolCall[],
  doneReason: string,
  metrics: (t: Timing) => Record<string, number>,
) {
  const created = goTimestamp();
  const body: StreamFrame[] = [
    ...reply.reasoningPieces.map((piece) => ({ data: chunk(c, created, { thinking: piece }, false), tokens: 1 })),
    ...reply.textPieces.map((piece) => ({ data: chunk(c, created, { content: piece }, false), tokens: 1 })),
  ];
  if (toolCalls.length > 0) {
    // Ollama parses tool calls out of the model's text and sends them whole, in one chunk.
    body.push({ data: chunk(c, created, { tool_calls: toolCalls }, false), tokens: reply.outputTokens - reply.reasoningTokens });
  }
  return {
    kind: 'stream' as const,
    contentType: NDJSON,
    headersEarly: false,
    prelude: [],
    body,
    finish: (t: Timing) => [final(c, { content: '' }, doneReason, metrics(t), reply)],
  };
}

function final(c: Completion, fields: Record<string, unknown>, doneReason: string, m: Record<string, number>, reply: PlannedReply): string {
  const base = { model: c.model, created_at: goTimestamp() };
  if (c.endpoint === 'chat') {
    return `${JSON.stringify({ ...base, message: { role: 'assistant', content: '', ...fields }, done: true, done_reason: doneReason, ...m })}\n`;
  }
  const { content, ...rest } = fields;
  // The deprecated `context` memory: token ids of prompt and answer.
  const context = tokenIds(`${c.promptText}${reply.text}`);
  return `${JSON.stringify({ ...base, response: content ?? '', ...rest, done: true, done_reason: doneReason, context, ...m })}\n`;
}

function bodyPlan(
  c: Completion,
  reply: PlannedReply,
  toolCalls: OllamaToolCall[],
  doneReason: string,
  metrics: (t: Timing) => Record<string, number>,
): BodyPlan {
  const fields: Record<string, unknown> = { content: reply.text };
  if (reply.reasoningPieces.length > 0) fields.thinking = reply.reasoningPieces.join('');
  if (toolCalls.length > 0) fields.tool_calls = toolCalls;
  return {
    kind: 'body',
    status: 200,
    contentType: 'application/json; charset=utf-8',
    generatedTokens: reply.outputTokens,
    body: (t) => final(c, fields, doneReason, metrics(t), reply).trimEnd(),
  };
}

/** Model and last user text, for fault matching, without validating anything. */
export function completionFacts(endpoint: Endpoint, body: unknown): { model?: string; userText?: string; stream: boolean } {
  if (!isRecord(body)) return { stream: true };
  const model = typeof body.model === 'string' && body.model !== '' ? normalizeOllamaName(body.model) : undefined;
  let userText: string | undefined;
  if (endpoint === 'chat' && Array.isArray(body.messages)) {
    const lastUser = body.messages.filter(isRecord).filter((m) => m.role === 'user').at(-1);
    userText = lastUser ? messageText(lastUser) : undefined;
  } else if (endpoint === 'generate' && typeof body.prompt === 'string') {
    userText = body.prompt;
  }
  return { model, userText, stream: body.stream !== false };
}
