/**
 * Canonical stream parts → Anthropic Messages SSE (PROTOCOLS §3.5, §4.9): named events in the order
 * message_start, (content_block_start, content_block_delta*, content_block_stop)*, message_delta,
 * message_stop. One block is open at a time; indexes count blocks from 0.
 *
 * message_start reports the input and cache counts the provider gave with stream-start (Anthropic
 * does; others report nothing up front: zeros) and 0 output tokens. The full usage goes in
 * message_delta, whose counters the SDKs take as cumulative totals that overwrite these.
 *
 * Tool calls must arrive one after the other (every provider streams them so). A fragment for a tool
 * call whose block is already closed cannot be written in this dialect; it ends the stream with an
 * in-band error rather than silently corrupting the arguments.
 */
import { EMPTY_USAGE, InternalError, type GatewayError, type StreamPart, type Usage } from '../../../core/index.js';
import type { ResponseContext, StreamEncoder } from '../dialect.js';
import { anthropicErrorBody } from './anthropic-errors.js';
import { anthropicMessageId, toAnthropicUsage } from './anthropic-messages-response.js';
import { mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';

type OpenBlock =
  | { readonly kind: 'text' }
  | { readonly kind: 'thinking' }
  | { readonly kind: 'tool'; readonly toolIndex: number };

/** Creates the encoder for one response. Anthropic streams always carry usage, so `includeUsage` is ignored. */
export function createAnthropicStreamEncoder(ctx: ResponseContext, _options: { readonly includeUsage: boolean }): StreamEncoder {
  const messageStart = (usage: Usage | undefined): string =>
    `event: message_start\ndata: {"type":"message_start","message":{"id":${JSON.stringify(anthropicMessageId(ctx.requestId))},` +
    `"type":"message","role":"assistant","model":${JSON.stringify(ctx.model)},"content":[],"stop_reason":null,"stop_sequence":null,` +
    `"usage":${JSON.stringify({ ...toAnthropicUsage(usage ?? EMPTY_USAGE), output_tokens: 0 })}}}\n\n`;

  let started = false;
  let ended = false;
  let hadToolCalls = false;
  /** Index of the open block, or of the next one when none is open. */
  let blockIndex = 0;
  let open: OpenBlock | undefined;

  const start = (usage?: Usage): string => {
    if (started) return '';
    started = true;
    return messageStart(usage);
  };
  const closeBlock = (): string => {
    if (open === undefined) return '';
    open = undefined;
    const text = `event: content_block_stop\ndata: {"type":"content_block_stop","index":${blockIndex}}\n\n`;
    blockIndex++;
    return text;
  };
  /** Closes the open block (if any) and opens `block` with its skeleton JSON. */
  const openBlock = (block: OpenBlock, skeleton: string): string => {
    const text = `${start()}${closeBlock()}event: content_block_start\ndata: {"type":"content_block_start","index":${blockIndex},"content_block":${skeleton}}\n\n`;
    open = block;
    return text;
  };
  const delta = (deltaJson: string): string =>
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":${blockIndex},"delta":${deltaJson}}\n\n`;
  const errorEvent = (error: GatewayError): string => {
    ended = true;
    return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error, ctx.requestId))}\n\n`;
  };

  return {
    encode(part: StreamPart): string {
      if (ended) return '';
      switch (part.type) {
        case 'stream-start':
          return start(part.usage);
        case 'text-delta': {
          // Empty deltas would open empty text blocks, which Anthropic never sends (and rejects on the way back).
          if (part.delta === '') return '';
          const opening = open?.kind === 'text' ? '' : openBlock({ kind: 'text' }, '{"type":"text","text":""}');
          return `${opening}${delta(`{"type":"text_delta","text":${JSON.stringify(part.delta)}}`)}`;
        }
        case 'reasoning-delta': {
          if (part.delta === '') return '';
          const opening = open?.kind === 'thinking' ? '' : openBlock({ kind: 'thinking' }, '{"type":"thinking","thinking":"","signature":""}');
          return `${opening}${delta(`{"type":"thinking_delta","thinking":${JSON.stringify(part.delta)}}`)}`;
        }
        case 'reasoning-signature': {
          // Normally closes the thinking block it signs; a bare signature gets an empty thinking block.
          const opening = open?.kind === 'thinking' ? '' : openBlock({ kind: 'thinking' }, '{"type":"thinking","thinking":"","signature":""}');
          return `${opening}${delta(`{"type":"signature_delta","signature":${JSON.stringify(part.signature)}}`)}`;
        }
        case 'tool-call-start':
          hadToolCalls = true;
          return openBlock(
            { kind: 'tool', toolIndex: part.index },
            `{"type":"tool_use","id":${JSON.stringify(part.id)},"name":${JSON.stringify(part.name)},"input":{}}`,
          );
        case 'tool-call-delta':
          if (open?.kind !== 'tool' || open.toolIndex !== part.index) {
            return errorEvent(new InternalError(`Tool call ${part.index} streamed out of order; the response cannot be encoded.`));
          }
          if (part.argumentsDelta === '') return '';
          return delta(`{"type":"input_json_delta","partial_json":${JSON.stringify(part.argumentsDelta)}}`);
        case 'finish': {
          ended = true;
          const stopReason = mapFinishReasonToAnthropic(part.finishReason, hadToolCalls);
          return (
            `${start()}${closeBlock()}event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},` +
            `"usage":${JSON.stringify(toAnthropicUsage(part.usage))}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`
          );
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
      return 'event: ping\ndata: {"type": "ping"}\n\n';
    },
  };
}
