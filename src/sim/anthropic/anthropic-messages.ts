import { isRecord } from '../common/http-util.js';
import type { PrefixCache } from '../common/prefix-cache.js';
import { planReply } from '../common/reply-planner.js';
import type { PlannedReply, ToolMode, ToolSpec } from '../common/reply-planner.js';
import type { BodyPlan, StreamFrame, StreamPlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';
import type { SimContext, SimRequest } from '../common/sim-server.js';
import { fragments, SSE_CONTENT_TYPE, sseEvent } from '../common/sse.js';
import { createRng, randomString } from '../common/text-generator.js';
import { countTokens, splitTokens } from '../common/tokens.js';
import { anthropicError } from './anthropic-errors.js';
import type { AnthropicPrompt, CacheUsage } from './anthropic-prompt.js';
import { buildPrompt, cacheUsage, userText } from './anthropic-prompt.js';

/** `POST /v1/messages` and `/v1/messages/count_tokens`. */

export const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export interface AnthropicModelInfo {
  readonly id: string;
  readonly displayName: string;
  readonly maxOutputTokens: number;
}

export interface MessagesEnv {
  readonly models: ReadonlyMap<string, AnthropicModelInfo>;
  readonly cache: PrefixCache;
  readonly minCacheableTokens: number;
  readonly nextSeed: () => number;
  readonly requestId: (req: SimRequest) => string;
}

interface ParsedMessages {
  readonly body: Record<string, unknown>;
  readonly model: string;
  readonly maxTokens: number;
  readonly messages: Record<string, unknown>[];
  readonly stream: boolean;
}

type Validation = ParsedMessages | BodyPlan;

function validate(req: SimRequest, env: MessagesEnv, countOnly: boolean): Validation {
  const rid = env.requestId(req);
  const bad = (message: string): BodyPlan => anthropicError(400, rid, message);
  if (!req.json.ok) return bad(req.json.empty ? 'messages: Field required' : `There was an error parsing the body: ${req.json.message}`);
  const body = req.json.value;
  if (!isRecord(body)) return bad('Input should be a valid dictionary or object to extract fields from');
  if (typeof body.model !== 'string' || body.model === '') return bad('model: Field required');
  if (!countOnly && body.max_tokens === undefined) return bad('max_tokens: Field required');
  if (!countOnly && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    return bad('max_tokens: Input should be a valid integer greater than or equal to 1');
  }
  if (body.messages === undefined) return bad('messages: Field required');
  if (!Array.isArray(body.messages)) return bad('messages: Input should be a valid list');
  const messages: Record<string, unknown>[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m)) return bad(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant') return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return bad(`messages.${i}.content: Field required`);
    messages.push(m);
  }
  if (!countOnly && messages.length === 0) return bad('messages: at least one message is required');
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return bad('temperature: range: 0..1');
  const info = env.models.get(body.model);
  if (!info) return anthropicError(404, rid, `model: ${body.model}`);
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
  if (!countOnly && maxTokens > info.maxOutputTokens) {
    return bad(`max_tokens: ${maxTokens} > ${info.maxOutputTokens}, which is the maximum allowed number of output tokens for ${info.id}`);
  }
  if (!countOnly && isRecord(body.thinking) && body.thinking.type === 'enabled') {
    const budget = body.thinking.budget_tokens;
    if (typeof budget !== 'number' || budget < 1024) return bad('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    if (budget >= maxTokens) return bad('`max_tokens` must be greater than `thinking.budget_tokens`');
  }
  return { body, model: body.model, maxTokens, messages, stream: body.stream === true };
}

function toolMode(choice: unknown): ToolMode {
  if (!isRecord(choice)) return { type: 'auto' };
  if (choice.type === 'none') return { type: 'none' };
  if (choice.type === 'any') return { type: 'required' };
  if (choice.type === 'tool' && typeof choice.name === 'string') return { type: 'tool', name: choice.name };
  return { type: 'auto' };
}

export function handleCountTokens(req: SimRequest, env: MessagesEnv): BodyPlan {
  const parsed = validate(req, env, true);
  if ('kind' in parsed) return parsed;
  return jsonPlan(200, { input_tokens: buildPrompt(parsed.body).totalTokens });
}

interface Block {
  readonly kind: 'thinking' | 'text' | 'tool_use';
  readonly final: Record<string, unknown>;
  readonly start: Record<string, unknown>;
  readonly deltas: readonly StreamFrame[];
}

export async function handleMessages(req: SimRequest, ctx: SimContext, env: MessagesEnv): Promise<void> {
  const parsed = validate(req, env, false);
  if ('kind' in parsed) return ctx.send(parsed);
  const { body, model, maxTokens, messages } = parsed;

  const prompt: AnthropicPrompt = buildPrompt(body);
  const tools: ToolSpec[] = Array.isArray(body.tools)
    ? body.tools.filter(isRecord).flatMap((t) => (typeof t.name === 'string' ? [{ name: t.name, schema: t.input_schema }] : []))
    : [];
  const last = messages.at(-1);
  const lastUser = messages.filter((m) => m.role === 'user' && userText(m.content) !== undefined).at(-1);
  const outputConfig = isRecord(body.output_config) ? body.output_config : undefined;
  const format = outputConfig && isRecord(outputConfig.format) ? outputConfig.format : undefined;
  const thinking = isRecord(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');
  const reasoningTokens = thinking ? Math.max(8, Math.round(ctx.planner.outputTokens / 2)) : 0;
  const reply = planReply(
    {
      model,
      promptText: prompt.promptText,
      lastUserText: last?.role === 'user' ? userText(last.content) : undefined,
      scriptText: lastUser ? userText(lastUser.content) : undefined,
      tools,
      toolMode: toolMode(body.tool_choice),
      json: format?.type === 'json_schema' ? { schema: format.schema } : undefined,
      maxTokens,
      stop: Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s): s is string => typeof s === 'string') : undefined,
      reasoningTokens,
    },
    ctx.planner,
  );

  const usage = cacheUsage(prompt, model, env.cache, env.minCacheableTokens);
  const rng = createRng(env.nextSeed());
  const id = `msg_01${randomString(rng, BASE58, 22)}`;
  const blocks = contentBlocks(reply, rng);
  const outputTokens = reply.outputTokens + (reply.toolCallVolunteered ? countTokens(preamble(reply)) : 0);
  const stopReason =
    reply.finish === 'tool_calls' ? 'tool_use' : reply.finish === 'length' ? 'max_tokens' : reply.finish === 'stop_sequence' ? 'stop_sequence' : 'end_turn';
  const stopSequence = reply.stopSequence ?? null;
  const fullUsage = {
    ...usage,
    output_tokens: outputTokens,
    output_tokens_details: { thinking_tokens: reply.reasoningTokens },
    server_tool_use: null,
    service_tier: 'standard',
  };

  if (!parsed.stream) {
    const message = {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: blocks.map((b) => b.final),
      stop_reason: stopReason,
      stop_sequence: stopSequence,
      stop_details: null,
      container: null,
      usage: fullUsage,
    };
    return ctx.send({ ...jsonPlan(200, message), generatedTokens: outputTokens });
  }
  return ctx.send(streamPlan(id, model, blocks, usage, fullUsage, stopReason, stopSequence));
}

/** What Claude says before a tool call it chose to make (not when forced to). */
function preamble(reply: PlannedReply): string {
  return `I'll use the ${reply.toolCalls[0]?.name ?? ''} tool to help with this.`;
}

function contentBlocks(reply: PlannedReply, rng: () => number): Block[] {
  const blocks: Block[] = [];
  const delta = (d: Record<string, unknown>, tokens: number): StreamFrame => ({ data: JSON.stringify(d), tokens });
  if (reply.reasoningPieces.length > 0) {
    const thinking = reply.reasoningPieces.join('');
    const signature = Buffer.from(randomString(rng, BASE58, 48)).toString('base64');
    blocks.push({
      kind: 'thinking',
      final: { type: 'thinking', thinking, signature },
      start: { type: 'thinking', thinking: '', signature: '' },
      deltas: [
        ...reply.reasoningPieces.map((p) => delta({ type: 'thinking_delta', thinking: p }, 1)),
        delta({ type: 'signature_delta', signature }, 0),
      ],
    });
  }
  const text = reply.toolCallVolunteered ? preamble(reply) : reply.text;
  const pieces = reply.toolCallVolunteered ? splitTokens(text) : reply.textPieces;
  if (text.length > 0 || (reply.toolCalls.length === 0 && blocks.length === 0)) {
    blocks.push({
      kind: 'text',
      final: { type: 'text', text, citations: null },
      start: { type: 'text', text: '' },
      deltas: pieces.map((p) => delta({ type: 'text_delta', text: p }, 1)),
    });
  }
  for (const call of reply.toolCalls) {
    const id = `toolu_01${randomString(rng, BASE58, 22)}`;
    const json = call.argumentsJson;
    // The API opens with an empty fragment, then sends the arguments in a few pieces.
    const parts = ['', ...fragments(json, Math.max(2, Math.ceil(splitTokens(json).length / 3)))];
    blocks.push({
      kind: 'tool_use',
      final: { type: 'tool_use', id, name: call.name, input: call.arguments, caller: { type: 'direct' } },
      start: { type: 'tool_use', id, name: call.name, input: {}, caller: { type: 'direct' } },
      deltas: parts.map((p, i) => delta({ type: 'input_json_delta', partial_json: p }, i === 0 ? countTokens(call.name) : countTokens(p))),
    });
  }
  return blocks;
}

function streamPlan(
  id: string,
  model: string,
  blocks: readonly Block[],
  usage: CacheUsage,
  fullUsage: Record<string, unknown>,
  stopReason: string,
  stopSequence: string | null,
): StreamPlan {
  const start = sseEvent('message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      usage: { ...usage, output_tokens: 1, service_tier: 'standard' },
    },
  });
  const blockStart = (i: number, b: Block): string => sseEvent('content_block_start', { type: 'content_block_start', index: i, content_block: b.start });
  const prelude = [start];
  const body: StreamFrame[] = [];
  blocks.forEach((b, i) => {
    if (i === 0) prelude.push(blockStart(i, b));
    else body.push({ data: blockStart(i, b), tokens: 0 });
    if (i === 0) prelude.push(sseEvent('ping', { type: 'ping' }));
    for (const d of b.deltas) {
      body.push({ data: `event: content_block_delta\ndata: {"type":"content_block_delta","index":${i},"delta":${d.data}}\n\n`, tokens: d.tokens });
    }
    body.push({ data: sseEvent('content_block_stop', { type: 'content_block_stop', index: i }), tokens: 0 });
  });
  if (blocks.length === 0) prelude.push(sseEvent('ping', { type: 'ping' }));
  return {
    kind: 'stream',
    contentType: SSE_CONTENT_TYPE,
    headersEarly: true,
    prelude,
    body,
    finish: () => [
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: stopSequence, stop_details: null },
        usage: {
          input_tokens: usage.input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          output_tokens: fullUsage.output_tokens,
          output_tokens_details: fullUsage.output_tokens_details,
          server_tool_use: null,
        },
      }),
      sseEvent('message_stop', { type: 'message_stop' }),
    ],
  };
}

/** Model and last user text for fault matching, without validating. */
export function messagesFacts(body: unknown): { model?: string; userText?: string; stream: boolean } {
  if (!isRecord(body)) return { stream: false };
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const lastUser = messages.filter((m) => m.role === 'user' && userText(m.content) !== undefined).at(-1);
  return {
    model: typeof body.model === 'string' ? body.model : undefined,
    userText: lastUser ? userText(lastUser.content) : undefined,
    stream: body.stream === true,
  };
}
