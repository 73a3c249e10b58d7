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
import type { z } from 'zod';
import {
  anthropicResponseSchema,
  contentBlockDeltaEventSchema,
  contentBlockStartEventSchema,
  contentBlockStopEventSchema,
  errorEventSchema,
  messageDeltaEventSchema,
  messageStartEventSchema,
  type AnthropicUsage,
} from './anthropic-api.js';
import { buildAnthropicRequest } from './build-anthropic-request.js';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { describeAnthropicStreamError } from './read-anthropic-error.js';
import { fastSafeParse } from '../../validation/fast-parse.js';

export interface AnthropicChatModelConfig {
  readonly client: UpstreamClient;
  readonly defaultMaxTokens: number;
}

/** What we remember about a content block while it streams, keyed by Anthropic's block index. */
type BlockState = { readonly kind: 'tool'; readonly toolIndex: number; hasArguments: boolean } | { readonly kind: 'other' };

/** One model behind Anthropic's `/v1/messages`. */
export class AnthropicChatModel implements ChatModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly config: AnthropicChatModelConfig;

  constructor(modelId: string, config: AnthropicChatModelConfig) {
    this.provider = config.client.provider;
    this.modelId = modelId;
    this.config = config;
  }

  async generate(call: ChatCall, options: CallOptions = {}): Promise<ChatResult> {
    const { body, warnings } = buildAnthropicRequest(this.modelId, call, { stream: false, defaultMaxTokens: this.config.defaultMaxTokens });
    const { data, response } = await this.config.client.sendForJson(
      { method: 'POST', path: '/v1/messages', body: JSON.stringify(body), signal: options.signal, requestId: options.requestId },
      anthropicResponseSchema,
    );

    const content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
    for (const block of data.content) {
      switch (block.type) {
        case 'text':
          if (block.text) content.push({ type: 'text', text: block.text });
          break;
        case 'thinking':
          content.push({ type: 'reasoning', text: block.thinking ?? '', ...(block.signature ? { signature: block.signature } : {}) });
          break;
        case 'tool_use':
          content.push({ type: 'tool-call', id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) });
          break;
        default:
          // redacted_thinking, server tool blocks: the canonical result has no place for them.
          break;
      }
    }

    return {
      content,
      finishReason: mapAnthropicFinishReason(data.stop_reason),
      usage: convertAnthropicUsage(data.usage, content.some((part) => part.type === 'reasoning')),
      warnings,
      response: { id: data.id ?? undefined, model: data.model ?? undefined, upstreamRequestId: response.headers['request-id'] },
    };
  }

  async stream(call: ChatCall, options: CallOptions = {}): Promise<ChatStream> {
    const { body, warnings } = buildAnthropicRequest(this.modelId, call, { stream: true, defaultMaxTokens: this.config.defaultMaxTokens });
    const response = await this.config.client.send({
      method: 'POST',
      path: '/v1/messages',
      body: JSON.stringify(body),
      signal: options.signal,
      requestId: options.requestId,
    });
    return createPartStream(response.body, this.parts(response, warnings, options.signal));
  }

  /**
   * Named SSE events → parts (PROTOCOLS §3.5, §4.5). Tool indexes count tool calls only, never
   * Anthropic's block index; usage is merged from message_start and the cumulative
   * message_delta; `ping` and unknown events are ignored; complete only at `message_stop`.
   */
  private async *parts(response: UpstreamResponse, warnings: CallWarning[], signal: AbortLike | undefined): AsyncGenerator<StreamPart, void> {
    const { target } = response;
    let started = false;
    let completed = false;
    const start = (id?: string | null, model?: string | null, usage?: AnthropicUsage): StreamPart => {
      started = true;
      return {
        type: 'stream-start',
        response: { id: id ?? undefined, model: model ?? undefined, upstreamRequestId: response.headers['request-id'] },
        warnings,
        // Input and cache counts are final here; output_tokens is a placeholder until message_delta.
        ...(usage === undefined ? {} : { usage: convertAnthropicUsage(usage, false) }),
      };
    };
    const parse = <S extends z.ZodType>(schema: S, json: unknown, data: string): z.output<S> => {
      const parsed = fastSafeParse(schema, json);
      if (parsed.success) return parsed.data;
      throw createBadResponseError(target, `${target.provider} sent an unexpected stream event: ${parsed.error.message}`, {
        status: response.status,
        body: data,
        cause: parsed.error,
      });
    };

    try {
      const blocks = new Map<number, BlockState>();
      let toolCount = 0;
      let usage: AnthropicUsage | undefined;
      let stopReason: string | undefined;
      let sawReasoning = false;

      for await (const event of readSseEvents(response.body)) {
        const json = parseUpstreamJson(event.data, response, 'a stream event');
        // The JSON `type` equals the event name; either will do.
        const type = isRecord(json) && typeof json['type'] === 'string' ? json['type'] : event.event;
        if (type === 'ping') continue;
        if (type === 'message_start') {
          const { message } = parse(messageStartEventSchema, json, event.data);
          usage = mergeAnthropicUsage(usage, message.usage);
          if (!started) yield start(message.id, message.model, usage);
          continue;
        }
        if (!started) yield start();

        switch (type) {
          case 'error': {
            const { error } = parse(errorEventSchema, json, event.data);
            const details = describeAnthropicStreamError(error?.type);
            yield { type: 'error', error: createInBandError(target, error?.message ?? error?.type ?? 'unknown error', { ...details, raw: event.data }) };
            return;
          }
          case 'content_block_start': {
            const { index, content_block: block } = parse(contentBlockStartEventSchema, json, event.data);
            if (block.type === 'tool_use') {
              const state: BlockState = { kind: 'tool', toolIndex: toolCount, hasArguments: false };
              toolCount += 1;
              blocks.set(index, state);
              yield { type: 'tool-call-start', index: state.toolIndex, id: block.id ?? '', name: block.name ?? '' };
              // The skeleton's input is normally `{}` and the arguments follow as input_json_delta.
              if (isRecord(block.input) && Object.keys(block.input).length > 0) {
                state.hasArguments = true;
                yield { type: 'tool-call-delta', index: state.toolIndex, argumentsDelta: JSON.stringify(block.input) };
              }
            } else {
              blocks.set(index, { kind: 'other' });
              if (block.type === 'text' && block.text) yield { type: 'text-delta', delta: block.text };
              if (block.type === 'thinking' && block.thinking) {
                sawReasoning = true;
                yield { type: 'reasoning-delta', delta: block.thinking };
              }
            }
            break;
          }
          case 'content_block_delta': {
            const { index, delta } = parse(contentBlockDeltaEventSchema, json, event.data);
            const block = blocks.get(index);
            if (delta.type === 'text_delta' && delta.text) yield { type: 'text-delta', delta: delta.text };
            else if (delta.type === 'thinking_delta' && delta.thinking) {
              sawReasoning = true;
              yield { type: 'reasoning-delta', delta: delta.thinking };
            } else if (delta.type === 'signature_delta' && delta.signature) yield { type: 'reasoning-signature', signature: delta.signature };
            else if (delta.type === 'input_json_delta' && delta.partial_json && block?.kind === 'tool') {
              block.hasArguments = true;
              yield { type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: delta.partial_json };
            }
            break;
          }
          case 'content_block_stop': {
            const { index } = parse(contentBlockStopEventSchema, json, event.data);
            const block = blocks.get(index);
            // A tool without parameters streams no JSON at all; its arguments are still `{}`.
            if (block?.kind === 'tool' && !block.hasArguments) {
              block.hasArguments = true;
              yield { type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: '{}' };
            }
            break;
          }
          case 'message_delta': {
            const messageDelta = parse(messageDeltaEventSchema, json, event.data);
            if (messageDelta.delta?.stop_reason) stopReason = messageDelta.delta.stop_reason;
            usage = mergeAnthropicUsage(usage, messageDelta.usage);
            break;
          }
          case 'message_stop':
            completed = true;
            yield { type: 'finish', finishReason: mapAnthropicFinishReason(stopReason), usage: convertAnthropicUsage(usage, sawReasoning) };
            return;
          default:
            // Unknown events are part of the versioning contract: ignore them.
            break;
        }
      }

      if (!started) yield start();
      yield {
        type: 'error',
        error: createBadResponseError(target, `the stream from ${target.provider} ended without message_stop.`, { status: response.status }),
      };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (!started) yield start();
      yield { type: 'error', error: createStreamFailure(error, target, response.status) };
    } finally {
      releaseBody(response.body, completed);
    }
  }
}
