import type {
  CallOptions,
  CallWarning,
  ChatCall,
  ChatModel,
  ChatResult,
  ChatStream,
  ReasoningPart,
  StreamPart,
  TextPart,
  ToolCallPart,
  AbortLike,
} from '../../core/index.js';
import { abortReason } from '../shared/abort.js';
import { createPartStream, releaseBody } from '../shared/part-stream.js';
import { readNdjsonLines } from '../shared/ndjson.js';
import { createBadResponseError, createInBandError, createStreamFailure } from '../shared/upstream-error.js';
import { parseUpstreamJson, type UpstreamClient, type UpstreamResponse } from '../shared/upstream-client.js';
import { buildOllamaChatRequest } from './build-ollama-chat-request.js';
import { convertOllamaUsage } from './convert-ollama-usage.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';
import { ollamaChatResponseSchema, type OllamaChatResponse, type OllamaResponseToolCall } from './ollama-api.js';
import { fastSafeParse } from '../../validation/fast-parse.js';

export interface OllamaChatModelConfig {
  readonly client: UpstreamClient;
  /** Ollama often sends tool calls without ids; the canonical part needs one. */
  readonly generateId: () => string;
}

/** One model behind Ollama's native `/api/chat`. */
export class OllamaChatModel implements ChatModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly config: OllamaChatModelConfig;

  constructor(modelId: string, config: OllamaChatModelConfig) {
    this.provider = config.client.provider;
    this.modelId = modelId;
    this.config = config;
  }

  async generate(call: ChatCall, options: CallOptions = {}): Promise<ChatResult> {
    const { body, warnings } = buildOllamaChatRequest(this.modelId, call, false);
    const { data, response } = await this.config.client.sendForJson(
      { method: 'POST', path: '/api/chat', body: JSON.stringify(body), signal: options.signal, requestId: options.requestId },
      ollamaChatResponseSchema,
    );
    if (data.error !== undefined) throw createInBandError(response.target, data.error, { raw: JSON.stringify(data) });

    const content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
    const message = data.message;
    if (message?.thinking) content.push({ type: 'reasoning', text: message.thinking });
    if (message?.content) content.push({ type: 'text', text: message.content });
    const toolCalls = message?.tool_calls ?? [];
    for (const toolCall of toolCalls) content.push(this.toToolCallPart(toolCall));

    return {
      content,
      finishReason: mapOllamaFinishReason(data.done_reason, toolCalls.length > 0),
      usage: convertOllamaUsage(data, Boolean(message?.thinking)),
      warnings,
      response: { model: data.model, upstreamRequestId: upstreamRequestId(response) },
    };
  }

  async stream(call: ChatCall, options: CallOptions = {}): Promise<ChatStream> {
    const { body, warnings } = buildOllamaChatRequest(this.modelId, call, true);
    const response = await this.config.client.send({
      method: 'POST',
      path: '/api/chat',
      body: JSON.stringify(body),
      signal: options.signal,
      requestId: options.requestId,
    });
    return createPartStream(response.body, this.parts(response, warnings, options.signal));
  }

  /** NDJSON lines → parts (PROTOCOLS §1.5, §4.7). Every line is checked for `error`; the stream must end with `done:true`. */
  private async *parts(response: UpstreamResponse, warnings: CallWarning[], signal: AbortLike | undefined): AsyncGenerator<StreamPart, void> {
    const { target } = response;
    let started = false;
    let completed = false;
    const start = (model?: string): StreamPart => {
      started = true;
      return { type: 'stream-start', response: { model, upstreamRequestId: upstreamRequestId(response) }, warnings };
    };
    try {
      let toolIndex = 0;
      let sawReasoning = false;
      for await (const line of readNdjsonLines(response.body)) {
        const chunk = parseLine(line, response);
        if (!started) yield start(chunk.model);
        if (chunk.error !== undefined) {
          yield { type: 'error', error: createInBandError(target, chunk.error, { raw: line }) };
          return;
        }
        const message = chunk.message;
        if (message?.thinking) {
          sawReasoning = true;
          yield { type: 'reasoning-delta', delta: message.thinking };
        }
        // The final line may carry the last fragment too (§1.5), so content is read on every line.
        if (message?.content) yield { type: 'text-delta', delta: message.content };
        for (const toolCall of message?.tool_calls ?? []) {
          // Ollama sends each call whole: one start plus one delta with the complete JSON text.
          const part = this.toToolCallPart(toolCall);
          yield { type: 'tool-call-start', index: toolIndex, id: part.id, name: part.name };
          yield { type: 'tool-call-delta', index: toolIndex, argumentsDelta: part.arguments };
          toolIndex += 1;
        }
        if (chunk.done === true) {
          completed = true;
          yield { type: 'finish', finishReason: mapOllamaFinishReason(chunk.done_reason, toolIndex > 0), usage: convertOllamaUsage(chunk, sawReasoning) };
          return;
        }
      }
      if (!started) yield start();
      yield {
        type: 'error',
        error: createBadResponseError(target, `the stream from ${target.provider} ended without its final line (done:true).`, { status: response.status }),
      };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (!started) yield start();
      yield { type: 'error', error: createStreamFailure(error, target, response.status) };
    } finally {
      releaseBody(response.body, completed);
    }
  }

  private toToolCallPart(toolCall: OllamaResponseToolCall): ToolCallPart {
    const args = toolCall.function.arguments;
    return {
      type: 'tool-call',
      id: toolCall.id ?? this.config.generateId(),
      name: toolCall.function.name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    };
  }
}

function parseLine(line: string, response: UpstreamResponse): OllamaChatResponse {
  const parsed = fastSafeParse(ollamaChatResponseSchema, parseUpstreamJson(line, response, 'a stream line'));
  if (!parsed.success) {
    throw createBadResponseError(response.target, `${response.target.provider} sent an unexpected stream line: ${parsed.error.message}`, {
      status: response.status,
      body: line,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Ollama sets no request-id header itself, but a proxy in front of it may. */
function upstreamRequestId(response: UpstreamResponse): string | undefined {
  return response.headers['x-request-id'];
}
