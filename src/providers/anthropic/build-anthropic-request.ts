import type { CallWarning, ChatCall, ReasoningEffort } from '../../core/index.js';
import { convertToAnthropicMessages, toAnthropicCacheControl } from './convert-to-anthropic-messages.js';
import type { AnthropicRequest, AnthropicToolChoice } from './anthropic-api.js';

export interface AnthropicRequestMode {
  readonly stream: boolean;
  /** `max_tokens` when the call has no maxOutputTokens: Anthropic requires one. */
  readonly defaultMaxTokens: number;
}

/** What we add to `system` for JSON-object mode, which Anthropic has no native switch for. */
export const JSON_MODE_INSTRUCTION = 'Respond only with a single valid JSON value. Do not add any other text or Markdown code fences.';

/** ChatCall → `/v1/messages` body plus warnings for what Anthropic cannot honour (PROTOCOLS §4.4). */
export function buildAnthropicRequest(modelId: string, call: ChatCall, mode: AnthropicRequestMode): { body: AnthropicRequest; warnings: CallWarning[] } {
  const warnings: CallWarning[] = [];
  const converted = convertToAnthropicMessages(call.messages, warnings);
  const body: AnthropicRequest = { model: modelId, max_tokens: call.maxOutputTokens ?? mode.defaultMaxTokens, messages: converted.messages };
  let system = converted.system;
  if (mode.stream) body.stream = true;

  if (call.tools !== undefined && call.tools.length > 0) {
    body.tools = call.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.inputSchema,
      ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      ...toAnthropicCacheControl(tool.cacheControl),
    }));
    const toolChoice = mapToolChoice(call);
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  }

  const format = call.responseFormat;
  if (format?.type === 'json') {
    if (format.schema !== undefined) {
      body.output_config = { format: { type: 'json_schema', schema: format.schema } };
    } else {
      // As a block of its own after the client's: a cached system prefix stays the same.
      if (system === undefined) system = JSON_MODE_INSTRUCTION;
      else if (typeof system === 'string') system = `${system}\n\n${JSON_MODE_INSTRUCTION}`;
      else system = [...system, { type: 'text', text: JSON_MODE_INSTRUCTION }];
      warnings.push({ setting: 'responseFormat', message: 'Anthropic has no JSON mode; JSON output was requested through the system prompt.' });
    }
  }
  if (system !== undefined) body.system = system;

  if (call.temperature !== undefined) {
    // Anthropic's range is 0–1 where OpenAI's is 0–2: clamp, and say so.
    const clamped = Math.min(1, Math.max(0, call.temperature));
    if (clamped !== call.temperature) {
      warnings.push({ setting: 'temperature', message: `Anthropic accepts temperature 0–1; ${call.temperature} was sent as ${clamped}.` });
    }
    body.temperature = clamped;
  }
  if (call.topP !== undefined) body.top_p = call.topP;
  if (call.topK !== undefined) body.top_k = call.topK;
  if (call.stopSequences !== undefined && call.stopSequences.length > 0) body.stop_sequences = [...call.stopSequences];
  if (call.user !== undefined) body.metadata = { user_id: call.user };
  if (call.reasoningEffort !== undefined) applyReasoningEffort(body, call.reasoningEffort, warnings);
  if (call.cacheControl !== undefined) body.cache_control = toAnthropicCacheControl(call.cacheControl).cache_control;

  const unsupported: Array<[keyof ChatCall, string]> = [
    ['seed', 'seed'],
    ['frequencyPenalty', 'frequency_penalty'],
    ['presencePenalty', 'presence_penalty'],
  ];
  for (const [setting, wire] of unsupported) {
    if (call[setting] !== undefined) warnings.push({ setting, message: `Anthropic has no ${wire}; it was not sent.` });
  }
  if (call.ollama?.numCtx !== undefined) warnings.push({ setting: 'ollama.numCtx', message: 'Anthropic has no num_ctx; it was not sent.' });
  if (call.ollama?.keepAlive !== undefined) warnings.push({ setting: 'ollama.keepAlive', message: 'Anthropic has no keep_alive; it was not sent.' });

  return { body, warnings };
}

/** none/auto/required/tool → none/auto/any/tool; `parallelToolCalls:false` → `disable_parallel_tool_use` (on auto if no choice). */
function mapToolChoice(call: ChatCall): AnthropicToolChoice | undefined {
  const choice = call.toolChoice;
  if (choice?.type === 'none') return { type: 'none' };
  const disableParallel = call.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  switch (choice?.type) {
    case 'required':
      return { type: 'any', ...disableParallel };
    case 'tool':
      return { type: 'tool', name: choice.name, ...disableParallel };
    case 'auto':
      return { type: 'auto', ...disableParallel };
    case undefined:
      return call.parallelToolCalls === false ? { type: 'auto', ...disableParallel } : undefined;
  }
}

/** `output_config.effort` takes low…max; `none` turns thinking off instead. */
function applyReasoningEffort(body: AnthropicRequest, effort: ReasoningEffort, warnings: CallWarning[]): void {
  if (effort === 'none') {
    body.thinking = { type: 'disabled' };
    return;
  }
  let level: 'low' | 'medium' | 'high' | 'xhigh' | 'max';
  if (effort === 'minimal') {
    warnings.push({ setting: 'reasoningEffort', message: "Anthropic has no 'minimal' effort; sent 'low'." });
    level = 'low';
  } else {
    level = effort;
  }
  body.output_config = { ...body.output_config, effort: level };
}
