/**
 * Anthropic Messages request (`POST /v1/messages`, `POST /v1/messages/count_tokens`): the wire schema
 * and its conversion to a canonical ChatCall (PROTOCOLS §3.2, §3.3, §4.1).
 *
 * What happens to each field:
 * - converted: model, max_tokens (required, like the real API), messages, system, tools, tool_choice
 *   (+ disable_parallel_tool_use), temperature (0–1), top_p, top_k, stop_sequences, stream,
 *   metadata (user_id → call.user, other keys kept for routing), thinking, output_config
 *   (effort, format), the older `output_format`.
 * - `thinking: {type: "enabled"}` → reasoningEffort 'medium' (the budget has no canonical field;
 *   reported as a warning), `{type: "disabled"}` → 'none', `{type: "adaptive"}` → unset (the model
 *   decides). An explicit `output_config.effort` wins over all three.
 * - `thinking` blocks in assistant turns → reasoning parts with their signature (providers need them
 *   back unchanged). `redacted_thinking` blocks have no canonical form: dropped with a warning.
 * - 400: server tools (`web_search_*`, `bash_*`, …), non-empty `mcp_servers`, `document` /
 *   `search_result` / server-tool blocks, `file` image sources, blocks in a role that cannot hold them.
 * - warnings: `service_tier`, `inference_geo`, `container`, `context_management` (not carried).
 * - `cache_control` (prompt-cache breakpoints) on system blocks, text, image, tool_use and
 *   tool_result blocks (and text/image inside a result), tools, and top level (automatic caching)
 *   → `cacheControl` on the same canonical block. A system prompt with a breakpoint becomes one
 *   system message per block, so each breakpoint stays where it was. A `cache_control` of another
 *   type than `ephemeral` (a newer API's) is ignored, as any unknown field; an ephemeral one with a
 *   ttl other than 5m/1h is a 400, as upstream (carrying it as a different lifetime would be a
 *   silent change).
 * - tolerated and ignored: `cache_control` on thinking blocks (the API refuses it there), `citations`,
 *   any other unknown field.
 */
import { z } from 'zod';
import type {
  AssistantMessage,
  CacheControl,
  CallWarning,
  ChatCall,
  ImagePart,
  ImageSource,
  Message,
  ReasoningEffort,
  ReasoningPart,
  ResponseFormat,
  SystemMessage,
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
import { onRequestPath } from '../../../validation/fast-parse.js';

/**
 * A prompt-cache breakpoint. `ephemeral` is the only type; any other value is ignored (undefined).
 * The union's first branch is the one whose deeper issue (a bad `ttl`) reaches the client.
 */
const cacheControlSchema = z
  .union([
    z.object({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).nullish() }),
    z
      .unknown()
      .refine((value) => !(typeof value === 'object' && value !== null && 'type' in value && value.type === 'ephemeral'))
      .transform(() => undefined),
  ])
  .optional();
const cacheable = { cache_control: cacheControlSchema };

const textBlockSchema = z.object({ type: z.literal('text'), text: z.string(), ...cacheable });
const imageBlockSchema = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
    z.object({ type: z.literal('file') }),
  ]),
  ...cacheable,
});
/** Block types the real API accepts but this gateway cannot carry; parsed only to be refused clearly. */
const unsupportedBlockSchema = z.object({
  type: z.enum([
    'document',
    'search_result',
    'container_upload',
    'server_tool_use',
    'web_search_tool_result',
    'web_fetch_tool_result',
    'code_execution_tool_result',
    'bash_code_execution_tool_result',
    'text_editor_code_execution_tool_result',
    'tool_search_tool_result',
    'mcp_tool_use',
    'mcp_tool_result',
  ]),
});
const toolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, unsupportedBlockSchema]))], {
      error: 'expected string or array of content blocks',
    })
    .nullish(),
  is_error: z.boolean().nullish(),
  ...cacheable,
});
const contentBlockSchema = z.discriminatedUnion('type', [
  textBlockSchema,
  imageBlockSchema,
  toolResultBlockSchema,
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: jsonObjectSchema, ...cacheable }),
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().nullish() }),
  z.object({ type: z.literal('redacted_thinking') }),
  unsupportedBlockSchema,
]);
type ContentBlock = z.output<typeof contentBlockSchema>;
type WireCacheControl = z.output<typeof cacheControlSchema>;
type TextBlock = z.output<typeof textBlockSchema>;

const messageSchema = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlockSchema)], { error: 'expected string or array of content blocks' }),
});

const toolSchema = z.object({
  /** Absent or `custom` for client tools; anything else is an Anthropic server tool. */
  type: z.string().nullish(),
  name: z.string().min(1),
  description: z.string().nullish(),
  input_schema: jsonObjectSchema.optional(),
  strict: z.boolean().nullish(),
  ...cacheable,
});

const parallelField = { disable_parallel_tool_use: z.boolean().nullish() };
const toolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), ...parallelField }),
  z.object({ type: z.literal('any'), ...parallelField }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), ...parallelField }),
  z.object({ type: z.literal('none') }),
]);

const jsonSchemaFormatSchema = z.object({ type: z.literal('json_schema'), schema: jsonObjectSchema });

/** Fields shared by `/v1/messages` and `/v1/messages/count_tokens`. Unknown fields are stripped. */
export const anthropicBaseRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  system: z.union([z.string(), z.array(textBlockSchema)], { error: 'expected string or array of text blocks' }).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  metadata: z.object({ user_id: z.string().nullish() }).catchall(metadataValueSchema).nullish(),
  thinking: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }),
      z.object({ type: z.literal('disabled') }),
      z.object({ type: z.literal('adaptive') }),
    ])
    .nullish(),
  output_config: z
    .object({
      effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullish(),
      format: jsonSchemaFormatSchema.nullish(),
    })
    .nullish(),
  output_format: jsonSchemaFormatSchema.nullish(),
  mcp_servers: z.array(z.unknown()).nullish(),
  service_tier: z.unknown().optional(),
  inference_geo: z.unknown().optional(),
  container: z.unknown().optional(),
  context_management: z.unknown().optional(),
  /** Automatic caching: Anthropic puts the breakpoint on the last cacheable block. */
  ...cacheable,
});

/** The `/v1/messages` body. */
export const anthropicMessagesRequestSchema = anthropicBaseRequestSchema.extend({
  max_tokens: z.number().int().min(1),
  stream: z.boolean().nullish(),
});

// Parsed on every request: compiled at start (validation/fast-parse).
onRequestPath({ anthropicMessagesRequestSchema, anthropicBaseRequestSchema });

export type AnthropicBaseRequest = z.output<typeof anthropicBaseRequestSchema>;
type WireMessage = AnthropicBaseRequest['messages'][number];

/** Validates an Anthropic Messages request body and converts it. Throws InvalidRequestError. */
export function parseAnthropicMessagesRequest(body: unknown): ParsedChatRequest {
  const req = parseWithSchema(anthropicMessagesRequestSchema, body);
  return convertAnthropicRequest(req, req.max_tokens, req.stream === true);
}

/**
 * Converts a validated request; shared with count_tokens (which has no `max_tokens`/`stream`).
 * @internal
 */
export function convertAnthropicRequest(req: AnthropicBaseRequest, maxTokens: number | undefined, stream: boolean): ParsedChatRequest {
  const warnings: CallWarning[] = [];
  if (req.mcp_servers != null && req.mcp_servers.length > 0) {
    throw invalidParam('mcp_servers', 'MCP servers are not supported by this gateway');
  }
  for (const field of ['service_tier', 'inference_geo', 'container', 'context_management'] as const) {
    if (req[field] != null) warnings.push({ setting: field, message: `'${field}' is not passed to providers` });
  }

  const messages: Message[] = [];
  if (req.system != null) messages.push(...systemMessages(req.system));
  convertMessages(req.messages, messages, warnings);

  const { user_id: userId, ...otherMetadata } = req.metadata ?? {};
  const toolChoice = req.tool_choice ?? undefined;
  const disableParallel = toolChoice !== undefined && toolChoice.type !== 'none' ? toolChoice.disable_parallel_tool_use : undefined;

  const call: ChatCall = withoutUndefined({
    model: req.model,
    messages,
    tools: convertTools(req.tools),
    toolChoice: convertToolChoice(toolChoice),
    // Anthropic says "disable"; canonical says "allow". Unset stays unset.
    parallelToolCalls: disableParallel == null ? undefined : !disableParallel,
    responseFormat: convertResponseFormat(req),
    maxOutputTokens: maxTokens,
    temperature: req.temperature ?? undefined,
    topP: req.top_p ?? undefined,
    topK: req.top_k ?? undefined,
    stopSequences: req.stop_sequences ?? undefined,
    reasoningEffort: convertReasoningEffort(req, warnings),
    user: userId ?? undefined,
    cacheControl: cacheControl(req.cache_control),
  });

  return { call, stream, includeUsage: true, metadata: stringifyMetadata(otherMetadata), warnings };
}

/** `{type: 'ephemeral', ttl?}` → canonical; anything else was already read as undefined. */
function cacheControl(wire: WireCacheControl): CacheControl | undefined {
  if (wire === undefined) return undefined;
  return wire.ttl == null ? {} : { ttl: wire.ttl };
}

/**
 * A system prompt → system messages. Without breakpoints, one message with the non-empty blocks
 * joined by a blank line. With one, a message per block carrying its own breakpoint, so the cached
 * prefix ends where the client put it (empty blocks without a breakpoint are left out either way).
 */
function systemMessages(system: string | ReadonlyArray<TextBlock>): SystemMessage[] {
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  const blocks = system.filter((b) => b.text !== '' || b.cache_control !== undefined);
  if (blocks.every((b) => b.cache_control === undefined)) {
    return blocks.length === 0 ? [] : [{ role: 'system', content: blocks.map((b) => b.text).join('\n\n') }];
  }
  return blocks.map((b) => withoutUndefined({ role: 'system', content: b.text, cacheControl: cacheControl(b.cache_control) }));
}

function convertMessages(wire: ReadonlyArray<WireMessage>, out: Message[], warnings: CallWarning[]): void {
  /** Tool names by tool_use id, from earlier assistant turns: tool_result blocks do not carry the name. */
  const toolNames = new Map<string, string>();
  let warnedRedacted = false;

  wire.forEach((m, i) => {
    if (m.role === 'system') {
      // Listed in newer SDK types; canonical system messages may appear anywhere.
      const system = systemMessages(typeof m.content === 'string' ? m.content : systemBlocks(m.content, i));
      // An empty one still marks the turn, as before.
      out.push(...(system.length === 0 ? [{ role: 'system' as const, content: '' }] : system));
      return;
    }
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: [{ type: 'text', text: m.content }] });
      return;
    }
    if (m.role === 'assistant') {
      const content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
      m.content.forEach((block, j) => {
        switch (block.type) {
          case 'text':
            content.push(textPart(block));
            return;
          case 'tool_use':
            toolNames.set(block.id, block.name);
            content.push(
              withoutUndefined({
                type: 'tool-call',
                id: block.id,
                name: block.name,
                arguments: JSON.stringify(block.input),
                cacheControl: cacheControl(block.cache_control),
              }),
            );
            return;
          case 'thinking':
            // An empty signature is no signature (thinking that came from a non-Anthropic model).
            content.push(
              block.signature == null || block.signature === ''
                ? { type: 'reasoning', text: block.thinking }
                : { type: 'reasoning', text: block.thinking, signature: block.signature },
            );
            return;
          case 'redacted_thinking':
            if (!warnedRedacted) {
              warnedRedacted = true;
              warnings.push({ setting: 'messages.content.redacted_thinking', message: 'redacted_thinking blocks are not passed to providers' });
            }
            return;
          default:
            throw blockNotAllowed(block, i, j, 'assistant');
        }
      });
      out.push({ role: 'assistant', content } satisfies AssistantMessage);
      return;
    }
    convertUserBlocks(m.content, i, toolNames, out);
  });
}

function systemBlocks(blocks: ReadonlyArray<ContentBlock>, i: number): TextBlock[] {
  return blocks.map((block, j) => {
    if (block.type !== 'text') throw blockNotAllowed(block, i, j, 'system');
    return block;
  });
}

/**
 * A user turn: each run of tool_result blocks becomes a canonical `tool` message and each run of
 * text/image blocks a `user` message, in the order given (Anthropic puts results first).
 */
function convertUserBlocks(
  blocks: ReadonlyArray<ContentBlock>,
  i: number,
  toolNames: ReadonlyMap<string, string>,
  out: Message[],
): void {
  let results: ToolResultPart[] | undefined;
  let userParts: Array<TextPart | ImagePart> | undefined;
  blocks.forEach((block, j) => {
    const param = `messages.${i}.content.${j}`;
    switch (block.type) {
      case 'tool_result': {
        userParts = undefined;
        const result: ToolResultPart = withoutUndefined({
          type: 'tool-result',
          toolCallId: block.tool_use_id,
          toolName: toolNames.get(block.tool_use_id),
          content: toolResultContent(block.content, param),
          isError: block.is_error ?? undefined,
          cacheControl: cacheControl(block.cache_control),
        });
        if (results === undefined) {
          results = [result];
          out.push({ role: 'tool', content: results });
        } else {
          results.push(result);
        }
        return;
      }
      case 'text':
      case 'image': {
        results = undefined;
        const part: TextPart | ImagePart = block.type === 'text' ? textPart(block) : imagePart(block, param);
        if (userParts === undefined) {
          userParts = [part];
          out.push({ role: 'user', content: userParts });
        } else {
          userParts.push(part);
        }
        return;
      }
      default:
        throw blockNotAllowed(block, i, j, 'user');
    }
  });
  // An empty block list is still a (degenerate) user turn; keep it so turn order stays visible.
  if (blocks.length === 0) out.push({ role: 'user', content: [] });
}

type ToolResultContent = Extract<ContentBlock, { type: 'tool_result' }>['content'];

function toolResultContent(content: ToolResultContent, param: string): Array<TextPart | ImagePart> {
  // Empty results become no parts: Anthropic rejects empty text blocks when the call goes back out.
  if (content == null || content === '') return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((block, k): TextPart | ImagePart => {
    const blockParam = `${param}.content.${k}`;
    switch (block.type) {
      case 'text':
        return textPart(block);
      case 'image':
        return imagePart(block, blockParam);
      default:
        throw invalidParam(`${blockParam}.type`, `'${block.type}' blocks are not supported by this gateway`);
    }
  });
}

function imagePart(block: Extract<ContentBlock, { type: 'image' }>, param: string): ImagePart {
  const s = block.source;
  let source: ImageSource;
  switch (s.type) {
    case 'base64':
      source = { kind: 'base64', mediaType: s.media_type, data: s.data };
      break;
    case 'url':
      source = { kind: 'url', url: s.url };
      break;
    case 'file':
      throw invalidParam(`${param}.source.type`, "'file' image sources (Files API) are not supported by this gateway");
  }
  return withoutUndefined({ type: 'image', source, cacheControl: cacheControl(block.cache_control) });
}

function textPart(block: TextBlock): TextPart {
  return withoutUndefined({ type: 'text', text: block.text, cacheControl: cacheControl(block.cache_control) });
}

function blockNotAllowed(block: ContentBlock, i: number, j: number, role: string): Error {
  const param = `messages.${i}.content.${j}.type`;
  const known = ['text', 'image', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'];
  if (!known.includes(block.type)) return invalidParam(param, `'${block.type}' blocks are not supported by this gateway`);
  return invalidParam(param, `'${block.type}' blocks are not allowed in ${role} messages`);
}

function convertTools(tools: AnthropicBaseRequest['tools']): ToolDefinition[] | undefined {
  if (tools == null) return undefined;
  return tools.map((tool, k): ToolDefinition => {
    if (tool.type != null && tool.type !== 'custom') {
      throw invalidParam(`tools.${k}.type`, `server tool '${tool.type}' is not supported by this gateway`);
    }
    if (tool.input_schema === undefined) throw invalidParam(`tools.${k}.input_schema`, 'field required (expected object)');
    return withoutUndefined({
      name: tool.name,
      description: tool.description ?? undefined,
      inputSchema: tool.input_schema,
      strict: tool.strict ?? undefined,
      cacheControl: cacheControl(tool.cache_control),
    });
  });
}

function convertToolChoice(choice: AnthropicBaseRequest['tool_choice']): ToolChoice | undefined {
  if (choice == null) return undefined;
  switch (choice.type) {
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'any':
      return { type: 'required' };
    case 'tool':
      return { type: 'tool', name: choice.name };
  }
}

function convertResponseFormat(req: AnthropicBaseRequest): ResponseFormat | undefined {
  const format = req.output_config?.format ?? req.output_format ?? undefined;
  return format === undefined ? undefined : { type: 'json', schema: format.schema };
}

function convertReasoningEffort(req: AnthropicBaseRequest, warnings: CallWarning[]): ReasoningEffort | undefined {
  const effort = req.output_config?.effort ?? undefined;
  const thinking = req.thinking ?? undefined;
  if (thinking?.type === 'enabled') {
    warnings.push({
      setting: 'thinking.budget_tokens',
      message: `the thinking budget is not passed to providers; reasoning effort '${effort ?? 'medium'}' is used instead`,
    });
  }
  if (effort !== undefined) return effort;
  switch (thinking?.type) {
    case 'enabled':
      return 'medium';
    case 'disabled':
      return 'none';
    default:
      return undefined;
  }
}
