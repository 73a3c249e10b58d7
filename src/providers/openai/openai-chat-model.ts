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
import { readSseEvents } from '../shared/sse.js';
import { createBadResponseError, createInBandError, createStreamFailure, isRecord } from '../shared/upstream-error.js';
import { parseUpstreamJson, type UpstreamClient, type UpstreamResponse } from '../shared/upstream-client.js';
import { buildOpenAIChatRequest } from './build-openai-chat-request.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { openAIChatResponseSchema, openAIChunkSchema, type OpenAIChunk, type OpenAIUsage } from './openai-api.js';
import { describeOpenAIStreamError } from './read-openai-error.js';
import { fastSafeParse } from '../../validation/fast-parse.js';

export interface OpenAIChatModelConfig {
  readonly client: UpstreamClient;
  /** Compatible servers: `max_tokens`, `top_k`, no `[DONE]` needed after a finish reason, ids may be missing. */
  readonly compatible: boolean;
  /** For tool calls a compatible server sent without an id. */
  readonly generateId: () => string;
}

interface ToolCallState {
  readonly index: number;
  hasArguments: boolean;
}

/** One model behind `/chat/completions` (OpenAI or a compatible server). */
export class OpenAIChatModel implements ChatModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly config: OpenAIChatModelConfig;

  constructor(modelId: string, config: OpenAIChatModelConfig) {
    this.provider = config.client.provider;
    this.modelId = modelId;
    this.config = config;
  }

  async generate(call: ChatCall, options: CallOptions = {}): Promise<ChatResult> {
    const { body, warnings } = buildOpenAIChatRequest(this.modelId, call, { stream: false, compatible: this.config.compatible });
    const { data, response } = await this.config.client.sendForJson(
      { method: 'POST', path: '/chat/completions', body: JSON.stringify(body), signal: options.signal, requestId: options.requestId },
      openAIChatResponseSchema,
    );
    // The schema requires at least one choice; with n unset there is exactly one.
    const choice = data.choices.find((c) => (c.index ?? 0) === 0) ?? data.choices[0];
    const message = choice?.message;

    const content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
    const reasoning = message?.reasoning_content ?? message?.reasoning;
    if (reasoning) content.push({ type: 'reasoning', text: reasoning });
    // A refusal is the model's answer; it reaches the client as text (finish reason says content-filter when OpenAI does).
    const text = message?.content ?? message?.refusal;
    if (text) content.push({ type: 'text', text });
    const toolCalls = message?.tool_calls ?? [];
    for (const toolCall of toolCalls) {
      content.push({
        type: 'tool-call',
        id: toolCall.id ?? this.config.generateId(),
        name: toolCall.function.name,
        arguments: toolCall.function.arguments || '{}',
      });
    }

    return {
      content,
      finishReason: mapOpenAIFinishReason(choice?.finish_reason, toolCalls.length > 0),
      usage: convertOpenAIUsage(data.usage, Boolean(reasoning)),
      warnings,
      response: { id: data.id ?? undefined, model: data.model ?? undefined, upstreamRequestId: response.headers['x-request-id'] },
    };
  }

  async stream(call: ChatCall, options: CallOptions = {}): Promise<ChatStream> {
    const { body, warnings } = buildOpenAIChatRequest(this.modelId, call, { stream: true, compatible: this.config.compatible });
    const response = await this.config.client.send({
      method: 'POST',
      path: '/chat/completions',
      body: JSON.stringify(body),
      signal: options.signal,
      requestId: options.requestId,
    });
    return createPartStream(response.body, this.parts(response, warnings, options.signal));
  }

  /** SSE chunks → parts (PROTOCOLS §2.5). Complete only with a finish reason and `[DONE]` (compatible servers: the finish reason suffices). */
  private async *parts(response: UpstreamResponse, warnings: CallWarning[], signal: AbortLike | undefined): AsyncGenerator<StreamPart, void> {
    const { target } = response;
    let started = false;
    let completed = false;
    const start = (chunk?: OpenAIChunk): StreamPart => {
      started = true;
      return {
        type: 'stream-start',
        response: { id: chunk?.id ?? undefined, model: chunk?.model ?? undefined, upstreamRequestId: response.headers['x-request-id'] },
        warnings,
      };
    };
    try {
      const toolCalls = new Map<number, ToolCallState>();
      let finishReason: string | undefined;
      let usage: OpenAIUsage | undefined;
      let sawReasoning = false;
      let sawDone = false;

      for await (const event of readSseEvents(response.body)) {
        if (event.data === '[DONE]') {
          sawDone = true;
          break;
        }
        const json = parseUpstreamJson(event.data, response, 'a stream event');
        // `data: {"error":…}` or `event: error` (both treated as errors by the official SDK, §2.5).
        const errorField = isRecord(json) ? json['error'] : undefined;
        const inBandError = errorField !== undefined && errorField !== null ? errorField : event.event === 'error' ? json : undefined;
        if (inBandError !== undefined && inBandError !== null) {
          if (!started) yield start();
          const error = describeOpenAIStreamError(inBandError);
          yield { type: 'error', error: createInBandError(target, error.message, { ...error, raw: event.data }) };
          return;
        }
        const parsed = fastSafeParse(openAIChunkSchema, json);
        if (!parsed.success) {
          throw createBadResponseError(target, `${target.provider} sent an unexpected stream chunk: ${parsed.error.message}`, {
            status: response.status,
            body: event.data,
            cause: parsed.error,
          });
        }
        const chunk = parsed.data;
        if (!started) yield start(chunk);
        if (chunk.usage) usage = chunk.usage;
        // n is never set, so only choice 0 exists; a server that sends more is ignored past it.
        const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
        if (choice === undefined) continue;
        const delta = choice.delta;
        const reasoning = delta?.reasoning_content ?? delta?.reasoning;
        if (reasoning) {
          sawReasoning = true;
          yield { type: 'reasoning-delta', delta: reasoning };
        }
        const text = delta?.content ?? delta?.refusal;
        if (text) yield { type: 'text-delta', delta: text };
        for (const [position, toolDelta] of (delta?.tool_calls ?? []).entries()) {
          const key = toolDelta.index ?? position;
          let state = toolCalls.get(key);
          if (state === undefined) {
            // Our index counts tool calls in order of appearance, whatever the server numbered them.
            state = { index: toolCalls.size, hasArguments: false };
            toolCalls.set(key, state);
            yield {
              type: 'tool-call-start',
              index: state.index,
              id: toolDelta.id ?? this.config.generateId(),
              name: toolDelta.function?.name ?? '',
            };
          }
          const fragment = toolDelta.function?.arguments;
          if (fragment) {
            state.hasArguments = true;
            yield { type: 'tool-call-delta', index: state.index, argumentsDelta: fragment };
          }
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }

      if (!started) yield start();
      const complete = finishReason !== undefined && (sawDone || this.config.compatible);
      if (!complete) {
        const missing = finishReason === undefined ? 'a finish reason' : 'data: [DONE]';
        yield {
          type: 'error',
          error: createBadResponseError(target, `the stream from ${target.provider} ended without ${missing}.`, { status: response.status }),
        };
        return;
      }
      // A call without any argument fragment still needs valid JSON arguments.
      for (const state of toolCalls.values()) {
        if (!state.hasArguments) yield { type: 'tool-call-delta', index: state.index, argumentsDelta: '{}' };
      }
      completed = true;
      yield { type: 'finish', finishReason: mapOpenAIFinishReason(finishReason, toolCalls.size > 0), usage: convertOpenAIUsage(usage, sawReasoning) };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (!started) yield start();
      yield { type: 'error', error: createStreamFailure(error, target, response.status) };
    } finally {
      releaseBody(response.body, completed);
    }
  }
}
