import type { CallWarning, ChatCall, ReasoningEffort } from '../../core/index.js';
import { convertToOllamaMessages } from './convert-to-ollama-messages.js';
import type { OllamaChatRequest, OllamaOptions } from './ollama-api.js';

/**
 * ChatCall → `/api/chat` body plus the warnings for what Ollama cannot honour (PROTOCOLS §4.6).
 * Absent settings stay absent: the native API then keeps the Modelfile's defaults.
 */
export function buildOllamaChatRequest(modelId: string, call: ChatCall, stream: boolean): { body: OllamaChatRequest; warnings: CallWarning[] } {
  const warnings: CallWarning[] = [];
  const body: OllamaChatRequest = { model: modelId, messages: convertToOllamaMessages(call.messages, warnings), stream };

  const toolChoice = call.toolChoice?.type;
  if (call.tools !== undefined && call.tools.length > 0 && toolChoice !== 'none') {
    body.tools = call.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.inputSchema,
      },
    }));
    if (call.tools.some((tool) => tool.strict === true)) {
      warnings.push({ setting: 'tools', message: 'Ollama has no strict tool schemas; `strict` was ignored.' });
    }
    if (toolChoice === 'required' || toolChoice === 'tool') {
      warnings.push({ setting: 'toolChoice', message: `Ollama cannot force a tool call; '${toolChoice}' was sent as 'auto'.` });
    }
    if (call.parallelToolCalls === false) {
      warnings.push({ setting: 'parallelToolCalls', message: 'Ollama cannot forbid parallel tool calls.' });
    }
  }

  if (call.responseFormat?.type === 'json') {
    body.format = call.responseFormat.schema ?? 'json';
  }

  const options: OllamaOptions = {};
  if (call.maxOutputTokens !== undefined) options.num_predict = call.maxOutputTokens;
  if (call.temperature !== undefined) options.temperature = call.temperature;
  if (call.topP !== undefined) options.top_p = call.topP;
  if (call.topK !== undefined) options.top_k = call.topK;
  if (call.seed !== undefined) options.seed = call.seed;
  if (call.stopSequences !== undefined && call.stopSequences.length > 0) options.stop = [...call.stopSequences];
  if (call.frequencyPenalty !== undefined) options.frequency_penalty = call.frequencyPenalty;
  if (call.presencePenalty !== undefined) options.presence_penalty = call.presencePenalty;
  if (call.ollama?.numCtx !== undefined) options.num_ctx = call.ollama.numCtx;
  if (Object.keys(options).length > 0) body.options = options;

  if (call.ollama?.keepAlive !== undefined) body.keep_alive = call.ollama.keepAlive;
  if (call.reasoningEffort !== undefined) body.think = mapThink(call.reasoningEffort, warnings);
  if (call.user !== undefined) warnings.push({ setting: 'user', message: 'Ollama has no end-user id; `user` was not sent.' });

  return { body, warnings };
}

/** `think` takes a bool or low|medium|high|max (GPT-OSS needs a level; others treat a level as on). */
function mapThink(effort: ReasoningEffort, warnings: CallWarning[]): NonNullable<OllamaChatRequest['think']> {
  switch (effort) {
    case 'none':
      return false;
    case 'minimal':
      warnings.push({ setting: 'reasoningEffort', message: "Ollama has no 'minimal' thinking level; sent 'low'." });
      return 'low';
    case 'xhigh':
      warnings.push({ setting: 'reasoningEffort', message: "Ollama has no 'xhigh' thinking level; sent 'high'." });
      return 'high';
    case 'low':
    case 'medium':
    case 'high':
    case 'max':
      return effort;
  }
}
