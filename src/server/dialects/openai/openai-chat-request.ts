/**
 * OpenAI Chat Completions request (`POST /v1/chat/completions`): the wire schema and its conversion
 * to a canonical ChatCall (PROTOCOLS §2.2, §2.3, §4.4).
 *
 * What happens to each field:
 * - converted: model, messages, tools, tool_choice, parallel_tool_calls, response_format, temperature,
 *   top_p, max_completion_tokens / max_tokens (the former wins), stop, seed, frequency_penalty,
 *   presence_penalty, reasoning_effort, safety_identifier / user (the former wins), metadata, stream,
 *   stream_options.include_usage.
 * - 400, because answering without them would silently change the answer or its shape: `n` > 1,
 *   non-empty `logit_bias`, `logprobs: true` / `top_logprobs` > 0 (no provider path returns
 *   logprobs), `audio` / `modalities` other than text, `web_search_options`, legacy `functions` /
 *   `function_call` / `function` role, custom tools, `allowed_tools` tool choice, `input_audio` and
 *   `file` content parts.
 * - accepted and reported as warnings (they change nothing in the answer): `store: true`,
 *   `service_tier`, `prediction`, `verbosity`, `prompt_cache_key`, `prompt_cache_retention`, message `name`.
 * - ignored: any other field (clients send many; lenient like OpenAI-compatible servers).
 * Optional fields may be `null` (OpenAI accepts that and many clients send it): null ≡ absent.
 */
import { z } from 'zod';
import type {
  AssistantMessage,
  CallWarning,
  ChatCall,
  ImagePart,
  Message,
  ReasoningEffort,
  ResponseFormat,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolResultPart,
} from '../../../core/index.js';
import type { ParsedChatRequest } from '../dialect.js';
import {
  invalidParam,
  jsonObjectSchema,
  metadataValueSchema,
  parseWithSchema,
  stringifyMetadata,
  withoutUndefined,
} from '../request-validation.js';
import { imageSourceFromOpenAIUrl } from './openai-image-url.js';
import { onRequestPath } from '../../../validation/fast-parse.js';

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });
const imageUrlPartSchema = z.object({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().nullish() })], {
    error: 'expected an object {url, detail?}',
  }),
});
/** Parsed only to be refused with a clear message. */
const unsupportedPartSchema = z.object({ type: z.enum(['input_audio', 'file']) });
const refusalPartSchema = z.object({ type: z.literal('refusal'), refusal: z.string() });

const textContentSchema = z.union([z.string(), z.array(textPartSchema)], {
  error: 'expected string or array of text parts',
});
const userContentSchema = z.union(
  [z.string(), z.array(z.discriminatedUnion('type', [textPartSchema, imageUrlPartSchema, unsupportedPartSchema]))],
  { error: 'expected string or array of content parts' },
);
const assistantContentSchema = z.union(
  [z.string(), z.array(z.discriminatedUnion('type', [textPartSchema, refusalPartSchema]))],
  { error: 'expected string, null or array of text/refusal parts' },
);

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const nameField = { name: z.string().nullish() };

const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContentSchema, ...nameField }),
  z.object({ role: z.literal('developer'), content: textContentSchema, ...nameField }),
  z.object({ role: z.literal('user'), content: userContentSchema, ...nameField }),
  z.object({
    role: z.literal('assistant'),
    content: assistantContentSchema.nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
    refusal: z.string().nullish(),
    function_call: z.unknown().optional(),
    ...nameField,
  }),
  z.object({ role: z.literal('tool'), tool_call_id: z.string(), content: textContentSchema }),
  z.object({ role: z.literal('function') }),
]);

const functionToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: jsonObjectSchema.nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoiceSchema = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    z.object({ type: z.enum(['allowed_tools', 'custom']) }),
  ],
  { error: "expected 'none', 'auto', 'required' or {type: 'function', function: {name}}" },
);

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().nullish(),
      schema: jsonObjectSchema.nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const reasoningEffortSchema = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);

/** The request body, as far as the gateway reads it. Unknown fields are stripped. */
export const openAIChatRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  tools: z.array(z.discriminatedUnion('type', [functionToolSchema, z.object({ type: z.literal('custom') })])).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormatSchema.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())], { error: 'expected string or array of strings' }).nullish(),
  n: z.number().int().min(1).nullish(),
  seed: z.number().int().nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  metadata: z.record(z.string(), metadataValueSchema).nullish(),
  reasoning_effort: reasoningEffortSchema.nullish(),
  modalities: z.array(z.string()).nullish(),
  audio: z.unknown().optional(),
  functions: z.unknown().optional(),
  function_call: z.unknown().optional(),
  web_search_options: z.unknown().optional(),
  store: z.boolean().nullish(),
  service_tier: z.string().nullish(),
  prediction: z.unknown().optional(),
  verbosity: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  prompt_cache_retention: z.string().nullish(),
});

// Parsed on every request: compiled at start (validation/fast-parse).
onRequestPath({ openAIChatRequestSchema });

export type OpenAIChatRequest = z.output<typeof openAIChatRequestSchema>;
type OpenAIMessage = OpenAIChatRequest['messages'][number];

/** Validates an OpenAI chat request body and converts it. Throws InvalidRequestError. */
export function parseOpenAIChatRequest(body: unknown): ParsedChatRequest {
  const req = parseWithSchema(openAIChatRequestSchema, body);
  rejectUnsupported(req);
  const warnings: CallWarning[] = [];

  const call: ChatCall = withoutUndefined({
    model: req.model,
    messages: convertMessages(req.messages, warnings),
    tools: convertTools(req.tools),
    toolChoice: convertToolChoice(req.tool_choice),
    parallelToolCalls: req.parallel_tool_calls ?? undefined,
    responseFormat: convertResponseFormat(req.response_format),
    maxOutputTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined,
    temperature: req.temperature ?? undefined,
    topP: req.top_p ?? undefined,
    stopSequences: req.stop == null ? undefined : typeof req.stop === 'string' ? [req.stop] : req.stop,
    seed: req.seed ?? undefined,
    frequencyPenalty: req.frequency_penalty ?? undefined,
    presencePenalty: req.presence_penalty ?? undefined,
    reasoningEffort: (req.reasoning_effort ?? undefined) satisfies ReasoningEffort | undefined,
    user: req.safety_identifier ?? req.user ?? undefined,
  });

  if (req.store === true) warnings.push(dropped('store', 'stored completions are not supported; the completion was not stored'));
  for (const field of ['service_tier', 'verbosity', 'prompt_cache_key', 'prompt_cache_retention'] as const) {
    if (req[field] != null) warnings.push(dropped(field, `'${field}' is not passed to providers`));
  }
  if (req.prediction != null) warnings.push(dropped('prediction', 'predicted outputs are not supported; ignored'));

  const stream = req.stream === true;
  return {
    call,
    stream,
    includeUsage: stream && req.stream_options?.include_usage === true,
    metadata: req.metadata == null ? {} : stringifyMetadata(req.metadata),
    warnings,
  };
}

function dropped(setting: string, message: string): CallWarning {
  return { setting, message };
}

/** Fields we refuse rather than silently ignore; see the file comment. */
function rejectUnsupported(req: OpenAIChatRequest): void {
  if (req.n != null && req.n > 1) throw invalidParam('n', 'must be 1 (n > 1 is not supported by this gateway; send one request per choice)');
  if (req.logit_bias != null && Object.keys(req.logit_bias).length > 0) {
    throw invalidParam('logit_bias', 'logit_bias is not supported by this gateway (token ids differ between the models it routes to)');
  }
  if (req.logprobs === true) throw invalidParam('logprobs', 'logprobs are not supported by this gateway');
  if (req.top_logprobs != null && req.top_logprobs > 0) throw invalidParam('top_logprobs', 'logprobs are not supported by this gateway');
  if (req.audio != null) throw invalidParam('audio', 'audio output is not supported by this gateway');
  if (req.modalities != null && req.modalities.some((m) => m !== 'text')) {
    throw invalidParam('modalities', "only the 'text' modality is supported by this gateway");
  }
  if (req.web_search_options != null) throw invalidParam('web_search_options', 'web search is not supported by this gateway');
  if (req.functions != null) throw invalidParam('functions', "the legacy 'functions' parameter is not supported; use 'tools'");
  if (req.function_call != null) throw invalidParam('function_call', "the legacy 'function_call' parameter is not supported; use 'tool_choice'");
}

function textOf(content: string | ReadonlyArray<{ readonly text: string }>): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('\n\n');
}

function convertMessages(messages: ReadonlyArray<OpenAIMessage>, warnings: CallWarning[]): Message[] {
  const out: Message[] = [];
  /** Tool names by call id, from earlier assistant turns: tool messages do not carry the name. */
  const toolNames = new Map<string, string>();
  /** The results of the current run of consecutive `tool` messages, merged into one canonical message. */
  let toolRun: ToolResultPart[] | undefined;
  let warnedName = false;

  messages.forEach((m, i) => {
    if (m.role !== 'tool') toolRun = undefined;
    if ('name' in m && m.name != null && !warnedName) {
      warnedName = true;
      warnings.push(dropped('messages.name', "message 'name' fields are not passed to providers"));
    }
    switch (m.role) {
      case 'system':
      case 'developer':
        // A system prompt given as text parts is one prompt; canonical system content is a string.
        out.push({ role: 'system', content: textOf(m.content) });
        return;
      case 'user':
        out.push({ role: 'user', content: convertUserContent(m.content, i) });
        return;
      case 'assistant':
        out.push(convertAssistant(m, i, toolNames));
        return;
      case 'tool': {
        const text = textOf(m.content);
        const result: ToolResultPart = withoutUndefined({
          type: 'tool-result',
          toolCallId: m.tool_call_id,
          toolName: toolNames.get(m.tool_call_id),
          // Empty results become no parts: Anthropic rejects empty text blocks downstream.
          content: text === '' ? [] : [{ type: 'text', text }],
        });
        if (toolRun === undefined) {
          toolRun = [result];
          out.push({ role: 'tool', content: toolRun });
        } else {
          toolRun.push(result);
        }
        return;
      }
      case 'function':
        throw invalidParam(`messages.${i}.role`, "the legacy 'function' role is not supported; use 'tool'");
    }
  });
  return out;
}

type UserContent = Extract<OpenAIMessage, { role: 'user' }>['content'];

function convertUserContent(content: UserContent, i: number): Array<TextPart | ImagePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, j): TextPart | ImagePart => {
    const param = `messages.${i}.content.${j}`;
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text };
      case 'image_url': {
        const url = typeof part.image_url === 'string' ? part.image_url : part.image_url.url;
        return { type: 'image', source: imageSourceFromOpenAIUrl(url, `${param}.image_url.url`) };
      }
      case 'input_audio':
      case 'file':
        throw invalidParam(`${param}.type`, `'${part.type}' content parts are not supported by this gateway`);
    }
  });
}

function convertAssistant(
  m: Extract<OpenAIMessage, { role: 'assistant' }>,
  i: number,
  toolNames: Map<string, string>,
): AssistantMessage {
  if (m.function_call != null) {
    throw invalidParam(`messages.${i}.function_call`, "the legacy 'function_call' field is not supported; use 'tool_calls'");
  }
  const content: Array<TextPart | ToolCallPart> = [];
  const toolCalls = m.tool_calls ?? [];
  if (typeof m.content === 'string') {
    // `content: ""` next to tool calls is how many clients say "no text": keep it out.
    if (m.content !== '' || toolCalls.length === 0) content.push({ type: 'text', text: m.content });
  } else if (m.content != null) {
    // A refusal the model gave earlier is still what it said: canonical has no refusal part, so text.
    for (const part of m.content) content.push({ type: 'text', text: part.type === 'text' ? part.text : part.refusal });
  }
  if (m.refusal != null && m.refusal !== '' && content.length === 0) content.push({ type: 'text', text: m.refusal });
  for (const call of toolCalls) {
    toolNames.set(call.id, call.function.name);
    // Arguments stay the exact text the client sent: it is what the model produced.
    content.push({ type: 'tool-call', id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return { role: 'assistant', content };
}

function convertTools(tools: OpenAIChatRequest['tools']): ToolDefinition[] | undefined {
  if (tools == null) return undefined;
  return tools.map((tool, k): ToolDefinition => {
    if (tool.type !== 'function') throw invalidParam(`tools.${k}.type`, "custom tools are not supported by this gateway; use 'function' tools");
    const f = tool.function;
    return withoutUndefined({
      name: f.name,
      description: f.description ?? undefined,
      // OpenAI allows omitting parameters (a no-argument function); providers need a schema.
      inputSchema: f.parameters ?? { type: 'object', properties: {} },
      strict: f.strict ?? undefined,
    });
  });
}

function convertToolChoice(choice: OpenAIChatRequest['tool_choice']): ToolChoice | undefined {
  if (choice == null) return undefined;
  if (typeof choice === 'string') return { type: choice };
  if (choice.type === 'function') return { type: 'tool', name: choice.function.name };
  throw invalidParam('tool_choice.type', `tool_choice type '${choice.type}' is not supported by this gateway`);
}

function convertResponseFormat(format: OpenAIChatRequest['response_format']): ResponseFormat | undefined {
  if (format == null) return undefined;
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const s = format.json_schema;
      return withoutUndefined<ResponseFormat>({ type: 'json', schema: s.schema ?? undefined, name: s.name ?? undefined, strict: s.strict ?? undefined });
    }
  }
}
