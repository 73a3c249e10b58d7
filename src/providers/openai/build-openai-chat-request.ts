import type { CallWarning, ChatCall } from '../../core/index.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import type { OpenAIChatRequest } from './openai-api.js';

export interface OpenAIRequestMode {
  readonly stream: boolean;
  /** A compatible server (vLLM, llama.cpp, LM Studio, Ollama /v1) rather than api.openai.com. */
  readonly compatible: boolean;
}

/** ChatCall → `/chat/completions` body plus warnings for what the target cannot honour. */
export function buildOpenAIChatRequest(modelId: string, call: ChatCall, mode: OpenAIRequestMode): { body: OpenAIChatRequest; warnings: CallWarning[] } {
  const warnings: CallWarning[] = [];
  const body: OpenAIChatRequest = { model: modelId, messages: convertToOpenAIMessages(call.messages, warnings) };

  if (mode.stream) {
    body.stream = true;
    // Usage is only streamed when asked for, and we bill from it.
    body.stream_options = { include_usage: true };
  }

  // tool_choice / parallel_tool_calls without tools are a 400 at OpenAI.
  if (call.tools !== undefined && call.tools.length > 0) {
    body.tools = call.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.inputSchema,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    }));
    const choice = call.toolChoice;
    if (choice !== undefined) body.tool_choice = choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
    if (call.parallelToolCalls !== undefined) body.parallel_tool_calls = call.parallelToolCalls;
  }

  const format = call.responseFormat;
  if (format?.type === 'text') body.response_format = { type: 'text' };
  else if (format?.type === 'json') {
    body.response_format =
      format.schema === undefined
        ? { type: 'json_object' }
        : {
            type: 'json_schema',
            json_schema: { name: format.name ?? 'response', schema: format.schema, ...(format.strict !== undefined ? { strict: format.strict } : {}) },
          };
  }

  if (call.maxOutputTokens !== undefined) {
    if (mode.compatible) body.max_tokens = call.maxOutputTokens;
    else body.max_completion_tokens = call.maxOutputTokens;
  }
  if (call.temperature !== undefined) body.temperature = call.temperature;
  if (call.topP !== undefined) body.top_p = call.topP;
  if (call.topK !== undefined) {
    if (mode.compatible) body.top_k = call.topK;
    else warnings.push({ setting: 'topK', message: 'OpenAI has no top_k; it was not sent.' });
  }
  if (call.stopSequences !== undefined && call.stopSequences.length > 0) body.stop = [...call.stopSequences];
  if (call.seed !== undefined) body.seed = call.seed;
  if (call.frequencyPenalty !== undefined) body.frequency_penalty = call.frequencyPenalty;
  if (call.presencePenalty !== undefined) body.presence_penalty = call.presencePenalty;
  if (call.reasoningEffort !== undefined) body.reasoning_effort = call.reasoningEffort;
  if (call.user !== undefined) body.user = call.user;

  if (call.ollama?.numCtx !== undefined) {
    warnings.push({ setting: 'ollama.numCtx', message: 'The OpenAI-compatible API cannot set the context window; num_ctx was not sent.' });
  }
  if (call.ollama?.keepAlive !== undefined) {
    warnings.push({ setting: 'ollama.keepAlive', message: 'The OpenAI-compatible API cannot set keep_alive; it was not sent.' });
  }
  return { body, warnings };
}
