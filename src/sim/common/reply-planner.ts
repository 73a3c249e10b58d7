import { sampleFromSchema } from './json-sample.js';
import type { ScriptBook } from './rule-book.js';
import { generateText } from './text-generator.js';
import { countTokens, takeTokens } from './tokens.js';

/**
 * Decides what the simulated model says, the same way for all three services: a matching script,
 * else a tool call when the conversation asks for one, else JSON when JSON is required, else
 * seeded text. Each service only maps its request into a ReplyRequest and the PlannedReply into
 * its wire format.
 */

export interface ToolSpec {
  readonly name: string;
  /** JSON Schema of the arguments object. */
  readonly schema: unknown;
}

export type ToolMode =
  | { readonly type: 'auto' }
  | { readonly type: 'none' }
  /** Some tool must be called (OpenAI `required`, Anthropic `any`). */
  | { readonly type: 'required' }
  | { readonly type: 'tool'; readonly name: string };

export interface ReplyRequest {
  /** Normalised model id (for script matching). */
  readonly model: string;
  /** All prompt text, the generator's key: same prompt (and seed) → same answer. */
  readonly promptText: string;
  /** Text of the last user message, when the last message is one (tool results are not). */
  readonly lastUserText: string | undefined;
  /** Text of the last user message anywhere in the conversation, for script matching. */
  readonly scriptText: string | undefined;
  readonly tools: readonly ToolSpec[];
  readonly toolMode: ToolMode;
  /** JSON output required; with a schema, conforming to it. */
  readonly json?: { readonly schema?: unknown };
  /** Output token limit (max_tokens, num_predict). */
  readonly maxTokens?: number;
  readonly stop?: readonly string[];
  /** Per-request seed (OpenAI `seed`, Ollama `options.seed`), combined with the server seed. */
  readonly seed?: number;
  /** Tokens of reasoning to produce first (thinking models), 0/undefined for none. */
  readonly reasoningTokens?: number;
}

export interface PlannedToolCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  /** JSON text of the arguments, as sent on the wire by OpenAI/Anthropic. */
  readonly argumentsJson: string;
}

export interface PlannedReply {
  /** Reasoning text split per token (empty when the model does not think). */
  readonly reasoningPieces: readonly string[];
  /** Answer text split per token; joined it is the answer. */
  readonly textPieces: readonly string[];
  readonly text: string;
  readonly toolCalls: readonly PlannedToolCall[];
  /** `stop_sequence` carries the stop string that matched. */
  readonly finish: 'stop' | 'length' | 'tool_calls' | 'stop_sequence';
  readonly stopSequence?: string;
  /** True when a tool call was volunteered (not forced): Anthropic then says a sentence first. */
  readonly toolCallVolunteered: boolean;
  /** Output tokens: reasoning + text + tool calls (name + arguments JSON). */
  readonly outputTokens: number;
  readonly reasoningTokens: number;
}

export interface PlannerSettings {
  readonly seed: number;
  readonly outputTokens: number;
  readonly scripts: ScriptBook;
}

const TOOL_WORD = /\btools?\b/i;

export function planReply(req: ReplyRequest, settings: PlannerSettings): PlannedReply {
  const seed = req.seed === undefined ? settings.seed : (settings.seed ^ req.seed) >>> 0;
  const reasoningPieces =
    req.reasoningTokens && req.reasoningTokens > 0
      ? takeTokens(generateText(seed ^ 0x7e1, `think:${req.promptText}`, req.reasoningTokens), undefined).pieces
      : [];
  const reasoningTokens = countTokens(reasoningPieces.join(''));
  const budget = req.maxTokens === undefined ? undefined : Math.max(0, req.maxTokens - reasoningTokens);

  const script = settings.scripts.find(req.model, req.scriptText);
  if (script !== undefined && 'toolCalls' in script) {
    return toolReply(
      script.toolCalls.map((c) => call(c.name, c.arguments)),
      false,
      reasoningPieces,
    );
  }
  if (script !== undefined) {
    const text = 'text' in script ? script.text : JSON.stringify(script.json);
    return textReply(text, budget, req.stop, reasoningPieces);
  }

  const forcedTool = forcedToolName(req);
  if (forcedTool !== undefined) {
    const tool = req.tools.find((t) => t.name === forcedTool) ?? req.tools[0];
    if (tool) return toolReply([call(tool.name, sampleArguments(tool.schema))], req.toolMode.type === 'auto', reasoningPieces);
  }

  if (req.json !== undefined) {
    const value =
      req.json.schema !== undefined
        ? sampleFromSchema(req.json.schema)
        : { result: generateText(seed, req.promptText, Math.min(settings.outputTokens, 12)) };
    return textReply(JSON.stringify(value), budget, undefined, reasoningPieces);
  }
  return textReply(generateText(seed, req.promptText, settings.outputTokens), budget, req.stop, reasoningPieces);
}

/** The tool to call without a script, or undefined for a text answer. */
function forcedToolName(req: ReplyRequest): string | undefined {
  const first = req.tools[0];
  if (first === undefined) return undefined;
  switch (req.toolMode.type) {
    case 'none':
      return undefined;
    case 'tool':
      return req.toolMode.name;
    case 'required':
      return first.name;
    case 'auto':
      return req.lastUserText !== undefined && TOOL_WORD.test(req.lastUserText) ? first.name : undefined;
  }
}

function sampleArguments(schema: unknown): Record<string, unknown> {
  const value = sampleFromSchema(schema ?? { type: 'object' });
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

function call(name: string, args: Record<string, unknown>): PlannedToolCall {
  return { name, arguments: args, argumentsJson: JSON.stringify(args) };
}

function toolReply(calls: PlannedToolCall[], volunteered: boolean, reasoningPieces: string[]): PlannedReply {
  const toolTokens = calls.reduce((n, c) => n + countTokens(c.name) + countTokens(c.argumentsJson), 0);
  return {
    reasoningPieces,
    textPieces: [],
    text: '',
    toolCalls: calls,
    finish: 'tool_calls',
    toolCallVolunteered: volunteered,
    outputTokens: countTokens(reasoningPieces.join('')) + toolTokens,
    reasoningTokens: countTokens(reasoningPieces.join('')),
  };
}

function textReply(
  fullText: string,
  maxTokens: number | undefined,
  stop: readonly string[] | undefined,
  reasoningPieces: string[],
): PlannedReply {
  let text = fullText;
  let stopSequence: string | undefined;
  for (const s of stop ?? []) {
    const at = s.length > 0 ? text.indexOf(s) : -1;
    if (at >= 0) {
      text = text.slice(0, at);
      stopSequence = s;
    }
  }
  const { pieces, truncated } = takeTokens(text, maxTokens);
  const answer = pieces.join('');
  const reasoningTokens = countTokens(reasoningPieces.join(''));
  const finish = truncated ? 'length' : stopSequence !== undefined ? 'stop_sequence' : 'stop';
  return {
    reasoningPieces,
    textPieces: pieces,
    text: answer,
    toolCalls: [],
    finish,
    stopSequence: finish === 'stop_sequence' ? stopSequence : undefined,
    toolCallVolunteered: false,
    outputTokens: reasoningTokens + countTokens(answer),
    reasoningTokens,
  };
}
