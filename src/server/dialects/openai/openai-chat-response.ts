/**
 * Canonical ChatResult → OpenAI `chat.completion` body (PROTOCOLS §2.4, §4.3, §4.5).
 */
import type { ChatResult, Usage } from '../../../core/index.js';
import type { ResponseContext } from '../dialect.js';
import { inputTotal, outputTotal } from '../usage-counts.js';
import { mapFinishReasonToOpenAI, type OpenAIFinishReason } from './map-finish-reason-to-openai.js';

/** OpenAI `usage`. Every count is a number on this wire, so unknown counts are 0. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: {
        role: 'assistant';
        content: string | null;
        refusal: null;
        tool_calls?: OpenAIToolCall[];
        /** Non-standard; only with `ResponseContext.exposeReasoning`. */
        reasoning_content?: string;
      };
      logprobs: null;
      finish_reason: OpenAIFinishReason;
    },
  ];
  usage: OpenAIUsage;
}

/** The OpenAI usage object for canonical usage. */
export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  const prompt = inputTotal(usage) ?? 0;
  const completion = outputTotal(usage) ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage.inputTokens.cacheRead ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.outputTokens.reasoning ?? 0 },
  };
}

/** The `id` of a completion and of its chunks. */
export function openAICompletionId(requestId: string): string {
  return `chatcmpl-${requestId}`;
}

/** Builds the `chat.completion` body. Reasoning is left out unless `ctx.exposeReasoning`. */
export function openAIChatResponse(result: ChatResult, ctx: ResponseContext): OpenAIChatCompletion {
  let text = '';
  let hasText = false;
  let reasoning = '';
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of result.content) {
    switch (part.type) {
      case 'text':
        text += part.text;
        hasText = true;
        break;
      case 'tool-call':
        toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
        break;
      case 'reasoning':
        reasoning += part.text;
        break;
    }
  }
  const message: OpenAIChatCompletion['choices'][0]['message'] = {
    role: 'assistant',
    // OpenAI sends null, not "", when the turn is only tool calls.
    content: hasText || toolCalls.length === 0 ? text : null,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (ctx.exposeReasoning === true && reasoning !== '') message.reasoning_content = reasoning;
  return {
    id: openAICompletionId(ctx.requestId),
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: mapFinishReasonToOpenAI(result.finishReason, toolCalls.length > 0),
      },
    ],
    usage: toOpenAIUsage(result.usage),
  };
}
