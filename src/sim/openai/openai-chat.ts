import { isRecord } from '../common/http-util.js';
import type { PrefixCache, PromptSegment } from '../common/prefix-cache.js';
import { prefixKeys } from '../common/prefix-cache.js';
import { planReply } from '../common/reply-planner.js';
import type { PlannedReply, ToolMode, ToolSpec } from '../common/reply-planner.js';
import type { BodyPlan, StreamFrame, StreamPlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import type { SimContext, SimRequest } from '../common/sim-server.js';
import { fragments, SSE_CONTENT_TYPE, sseData } from '../common/sse.js';
import { createRng, randomString } from '../common/text-generator.js';
import { countTokens, splitTokens } from '../common/tokens.js';
import { openAIError } from './openai-errors.js';

/** `POST /v1/chat/completions`: validation with OpenAI's messages, JSON and SSE answers. */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'];
/** OpenAI caches prompts of 1024+ tokens automatically, in 128-token steps. */
const CACHE_MIN_TOKENS = 1024;
const CACHE_STEP = 128;
const CACHE_TTL_MS = 10 * 60_000;

export interface OpenAIChatEnv {
  readonly models: ReadonlySet<string>;
  readonly cache: PrefixCache;
  readonly nextSeed: () => number;
}

/** The dated snapshot the API reports for an alias, as the real one does. */
const SNAPSHOTS: Record<string, string> = {
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
};

/** Text of a message's content: a string, or the text parts of an array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

interface ParsedChat {
  readonly model: string;
  readonly messages: Record<string, unknown>[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly tools: ToolSpec[];
  readonly toolMode: ToolMode;
  readonly json?: { schema?: unknown };
  readonly maxTokens?: number;
  readonly stop?: string[];
  readonly seed?: number;
}

function invalid(message: string, param: string | null = null, code: string | null = null): BodyPlan {
  return openAIError(400, { message, param, code });
}

function parse(req: SimRequest, env: OpenAIChatEnv): ParsedChat | BodyPlan {
  if (!req.json.ok || !isRecord(req.json.value)) {
    return invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    );
  }
  const body = req.json.value;
  if (typeof body.model !== 'string' || body.model === '') return invalid('you must provide a model parameter');
  if (body.messages === undefined) return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(body.messages)) return invalid(`Invalid type for 'messages': expected an array, but got ${typeof body.messages} instead.`, 'messages', 'invalid_type');
  if (body.messages.length === 0) {
    return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  const messages: Record<string, unknown>[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m)) return invalid(`Invalid type for 'messages[${i}]': expected an object, but got ${typeof m} instead.`, `messages[${i}]`, 'invalid_type');
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) {
      return invalid(
        `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      );
    }
    messages.push(m);
  }
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 2)) {
    const above = body.temperature > 2;
    return invalid(
      `Invalid 'temperature': decimal ${above ? 'above maximum' : 'below minimum'} value. Expected a value ${above ? '<= 2' : '>= 0'}, but got ${body.temperature} instead.`,
      'temperature',
      above ? 'decimal_above_max_value' : 'decimal_below_min_value',
    );
  }
  if (typeof body.n === 'number' && body.n > 1) return invalid('n > 1 is not supported by the Tollgate OpenAI simulator.', 'n', 'unsupported_value');
  const stream = body.stream === true;
  if (body.stream_options !== undefined && body.stream_options !== null && !stream) {
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  if (!env.models.has(body.model)) {
    return openAIError(404, { message: `The model \`${body.model}\` does not exist or you do not have access to it.`, code: 'model_not_found' });
  }

  const tools: ToolSpec[] = Array.isArray(body.tools)
    ? body.tools.flatMap((t) => {
        const fn = isRecord(t) && isRecord(t.function) ? t.function : undefined;
        return fn && typeof fn.name === 'string' ? [{ name: fn.name, schema: fn.parameters }] : [];
      })
    : [];
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null && tools.length === 0) {
    return invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
  }
  let toolMode: ToolMode = { type: 'auto' };
  if (choice === 'none') toolMode = { type: 'none' };
  else if (choice === 'required') toolMode = { type: 'required' };
  else if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    toolMode = { type: 'tool', name: choice.function.name };
  }

  const format = isRecord(body.response_format) ? body.response_format : undefined;
  let json: { schema?: unknown } | undefined;
  if (format?.type === 'json_object') json = {};
  else if (format?.type === 'json_schema') json = { schema: isRecord(format.json_schema) ? format.json_schema.schema : undefined };

  const limit = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : body.max_tokens;
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string') : undefined;
  return {
    model: body.model,
    messages,
    stream,
    includeUsage: stream && isRecord(body.stream_options) && body.stream_options.include_usage === true,
    tools,
    toolMode,
    json,
    maxTokens: typeof limit === 'number' ? limit : undefined,
    stop,
    seed: typeof body.seed === 'number' ? body.seed : undefined,
  };
}

function messageSegment(m: Record<string, unknown>): PromptSegment {
  let text = contentText(m.content);
  if (Array.isArray(m.tool_calls)) {
    for (const call of m.tool_calls) {
      if (isRecord(call) && isRecord(call.function)) text += `${String(call.function.name)}${String(call.function.arguments)}`;
    }
  }
  return { text, tokens: countTokens(text) };
}

interface Usage {
  readonly prompt: number;
  readonly cached: number;
  readonly completion: number;
  readonly reasoning: number;
}

/** Prompt tokens and how many of them OpenAI's automatic prefix cache would have served. */
function promptUsage(model: string, chat: ParsedChat, env: OpenAIChatEnv): { prompt: number; cached: number; promptText: string } {
  const segments = chat.messages.map(messageSegment);
  if (chat.tools.length > 0) {
    const text = JSON.stringify(chat.tools);
    segments.unshift({ text, tokens: countTokens(text) });
  }
  const prompt = segments.reduce((n, s) => n + s.tokens, 0);
  // Every message boundary past the minimum is a cacheable prefix.
  const ends: number[] = [];
  const lengths: number[] = [];
  let running = 0;
  segments.forEach((s, i) => {
    running += s.tokens;
    if (running >= CACHE_MIN_TOKENS) {
      ends.push(i);
      lengths.push(running);
    }
  });
  let cached = 0;
  if (ends.length > 0) {
    const keys = prefixKeys(model, segments, ends);
    const hit = env.cache.longestHit(keys);
    if (hit >= 0) cached = Math.floor((lengths[hit] ?? 0) / CACHE_STEP) * CACHE_STEP;
    for (const key of keys) env.cache.store(key, CACHE_TTL_MS);
  }
  return { prompt, cached: Math.min(cached, prompt), promptText: segments.map((s) => s.text).join('\n') };
}

function usageObject(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function finishReason(reply: PlannedReply): string {
  if (reply.finish === 'tool_calls') return 'tool_calls';
  return reply.finish === 'length' ? 'length' : 'stop';
}

export async function handleChat(req: SimRequest, ctx: SimContext, env: OpenAIChatEnv): Promise<void> {
  const chat = parse(req, env);
  if ('kind' in chat) return ctx.send(chat);

  const { prompt, cached, promptText } = promptUsage(chat.model, chat, env);
  const users = chat.messages.filter((m) => m.role === 'user');
  const last = chat.messages.at(-1);
  const reply = planReply(
    {
      model: chat.model,
      promptText,
      lastUserText: last?.role === 'user' ? contentText(last.content) : undefined,
      scriptText: users.length > 0 ? contentText(users.at(-1)?.content) : undefined,
      tools: chat.tools,
      toolMode: chat.toolMode,
      json: chat.json,
      maxTokens: chat.maxTokens,
      stop: chat.stop,
      seed: chat.seed,
    },
    ctx.planner,
  );
  const rng = createRng(env.nextSeed());
  const id = `chatcmpl-${randomString(rng, ALNUM, 29)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = SNAPSHOTS[chat.model] ?? chat.model;
  const fingerprint = `fp_${randomString(rng, '0123456789abcdef', 10)}`;
  const toolCalls = reply.toolCalls.map((call) => ({ id: `call_${randomString(rng, ALNUM, 24)}`, type: 'function', function: { name: call.name, arguments: call.argumentsJson } }));
  const usage: Usage = { prompt, cached, completion: reply.outputTokens, reasoning: reply.reasoningTokens };
  const processingMs = Math.round(ctx.pacing.firstTokenLatencyMs);

  if (!chat.stream) {
    const message: Record<string, unknown> = { role: 'assistant', content: toolCalls.length > 0 && reply.text === '' ? null : reply.text, refusal: null, annotations: [] };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    const body = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
      usage: usageObject(usage),
      service_tier: 'default',
      system_fingerprint: fingerprint,
    };
    return ctx.send({ ...jsonPlan(200, body, { 'openai-processing-ms': String(processingMs) }), generatedTokens: reply.outputTokens });
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    sseData({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: fingerprint,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(chat.includeUsage ? { usage: null } : {}),
    });
  const body: StreamFrame[] = [{ data: chunk({ role: 'assistant', content: toolCalls.length > 0 && reply.text === '' ? null : '', refusal: null }), tokens: 0 }];
  for (const piece of reply.textPieces) body.push({ data: chunk({ content: piece }), tokens: 1 });
  toolCalls.forEach((call, index) => {
    body.push({
      data: chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }),
      tokens: countTokens(call.function.name),
    });
    const pieces = splitTokens(call.function.arguments);
    // Several tokens per fragment, as the API batches argument deltas.
    for (const fragment of fragments(call.function.arguments, Math.max(2, Math.ceil(pieces.length / 3)))) {
      body.push({ data: chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }), tokens: countTokens(fragment) });
    }
  });
  const plan: StreamPlan = {
    kind: 'stream',
    contentType: SSE_CONTENT_TYPE,
    headers: { 'openai-processing-ms': String(processingMs) },
    headersEarly: true,
    prelude: [],
    body,
    finish: () => {
      const closing = [chunk({}, finishReason(reply))];
      if (chat.includeUsage) {
        closing.push(
          sseData({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: fingerprint, choices: [], usage: usageObject(usage) }),
        );
      }
      closing.push(sseData('[DONE]'));
      return closing;
    },
  };
  return ctx.send(plan);
}

/** Model and last user text for fault matching, without validating. */
export function chatFacts(body: unknown): { model?: string; userText?: string; stream: boolean } {
  if (!isRecord(body)) return { stream: false };
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const lastUser = messages.filter((m) => m.role === 'user').at(-1);
  return {
    model: typeof body.model === 'string' ? body.model : undefined,
    userText: lastUser ? contentText(lastUser.content) : undefined,
    stream: body.stream === true,
  };
}
