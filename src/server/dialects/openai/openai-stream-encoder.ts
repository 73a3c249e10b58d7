/**
 * Canonical stream parts → OpenAI `chat.completion.chunk` SSE (PROTOCOLS §2.5, §4.5, §4.9).
 *
 * Hot path: the constant head and tail of every chunk are built once per response; each part costs
 * one JSON.stringify of its payload and one template string.
 *
 * Reasoning deltas are dropped by default: Chat Completions has no reasoning field, and the
 * non-standard `reasoning_content` some servers add is concatenated into the answer by clients that
 * do not know it, or breaks strict parsers. `ResponseContext.exposeReasoning` opts in.
 */
import type { GatewayError, StreamPart } from '../../../core/index.js';
import type { ResponseContext, StreamEncoder } from '../dialect.js';
import { mapFinishReasonToOpenAI } from './map-finish-reason-to-openai.js';
import { openAICompletionId, toOpenAIUsage } from './openai-chat-response.js';
import { openAIErrorBody } from './openai-errors.js';

/** Creates the encoder for one response. With `includeUsage`, every chunk carries `usage: null` and a usage chunk precedes `[DONE]`. */
export function createOpenAIStreamEncoder(ctx: ResponseContext, options: { readonly includeUsage: boolean }): StreamEncoder {
  const { includeUsage } = options;
  const exposeReasoning = ctx.exposeReasoning === true;
  const envelope = `{"id":${JSON.stringify(openAICompletionId(ctx.requestId))},"object":"chat.completion.chunk","created":${ctx.created},"model":${JSON.stringify(ctx.model)},`;
  const head = `data: ${envelope}"choices":[{"index":0,"delta":`;
  const usageNull = includeUsage ? ',"usage":null' : '';
  const tail = `,"finish_reason":null}]${usageNull}}\n\n`;

  let started = false;
  let ended = false;
  let sawToolCall = false;

  const chunk = (deltaJson: string): string => `${head}${deltaJson}${tail}`;
  /** The first chunk carries the role; emitted lazily if a provider forgot `stream-start`. */
  const start = (): string => {
    if (started) return '';
    started = true;
    return chunk('{"role":"assistant","content":""}');
  };
  const errorEvent = (error: GatewayError): string => {
    ended = true;
    // No [DONE] after an error: the SDK throws on the `error` key and the stream ends.
    return `data: ${JSON.stringify(openAIErrorBody(error))}\n\n`;
  };

  return {
    encode(part: StreamPart): string {
      if (ended) return '';
      switch (part.type) {
        case 'stream-start':
          return start();
        case 'text-delta':
          if (part.delta === '') return '';
          return `${start()}${chunk(`{"content":${JSON.stringify(part.delta)}}`)}`;
        case 'reasoning-delta':
          if (!exposeReasoning || part.delta === '') return '';
          return `${start()}${chunk(`{"reasoning_content":${JSON.stringify(part.delta)}}`)}`;
        case 'reasoning-signature':
          return '';
        case 'tool-call-start':
          sawToolCall = true;
          return `${start()}${chunk(
            `{"tool_calls":[{"index":${part.index},"id":${JSON.stringify(part.id)},"type":"function","function":{"name":${JSON.stringify(part.name)},"arguments":""}}]}`,
          )}`;
        case 'tool-call-delta':
          if (part.argumentsDelta === '') return '';
          return `${start()}${chunk(`{"tool_calls":[{"index":${part.index},"function":{"arguments":${JSON.stringify(part.argumentsDelta)}}}]}`)}`;
        case 'finish': {
          ended = true;
          const reason = mapFinishReasonToOpenAI(part.finishReason, sawToolCall);
          const finish = `${head}{},"finish_reason":"${reason}"}]${usageNull}}\n\n`;
          const usage = includeUsage ? `data: ${envelope}"choices":[],"usage":${JSON.stringify(toOpenAIUsage(part.usage))}}\n\n` : '';
          return `${start()}${finish}${usage}data: [DONE]\n\n`;
        }
        case 'error':
          return errorEvent(part.error);
      }
    },
    fail(error: GatewayError): string {
      return ended ? '' : errorEvent(error);
    },
    get ended(): boolean {
      return ended;
    },
    ping(): string {
      return ': ping\n\n';
    },
  };
}
