import { describe, expect, it } from 'vitest';
import { ProviderCallError, type StreamPart } from '../../../core/index.js';
import { createAnthropicStreamEncoder } from './anthropic-stream-encoder.js';

const ctx = { requestId: 'r1', model: 'alias', created: 1 };
const start: StreamPart = { type: 'stream-start', response: {}, warnings: [] };
const finish = (unified: 'stop' | 'tool-calls' | 'length' = 'stop'): StreamPart => ({
  type: 'finish',
  finishReason: { unified },
  usage: { inputTokens: { total: 20, noCache: 12, cacheRead: 8 }, outputTokens: { total: 7 } },
});

interface Event {
  event: string;
  data: { type: string; index?: number; delta?: unknown; content_block?: unknown; [k: string]: unknown };
}

/** Parses named SSE events; checks that each `data.type` equals its event name. */
function events(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => {
      const [eventLine, dataLine, ...rest] = e.split('\n');
      expect(rest).toEqual([]);
      expect(eventLine?.startsWith('event: ')).toBe(true);
      expect(dataLine?.startsWith('data: ')).toBe(true);
      const event = (eventLine ?? '').slice(7);
      const data = JSON.parse((dataLine ?? '').slice(6)) as Event['data'];
      expect(data.type).toBe(event);
      return { event, data };
    });
}

function encodeAll(parts: StreamPart[]): string {
  const encoder = createAnthropicStreamEncoder(ctx, { includeUsage: false });
  return parts.map((p) => encoder.encode(p)).join('');
}

describe('createAnthropicStreamEncoder', () => {
  it('text: message_start, one text block, message_delta with full usage, message_stop', () => {
    const evs = events(encodeAll([start, { type: 'text-delta', delta: 'Hel' }, { type: 'text-delta', delta: '' }, { type: 'text-delta', delta: 'lo' }, finish()]));
    expect(evs).toEqual([
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_r1',
            type: 'message',
            role: 'assistant',
            model: 'alias',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
          },
        },
      },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 8, output_tokens: 7 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  });

  it('thinking, text and two tool calls: sequential indexes, each block closed before the next opens', () => {
    const evs = events(
      encodeAll([
        start,
        { type: 'reasoning-delta', delta: 'Let me think.' },
        { type: 'reasoning-signature', signature: 'sig==' },
        { type: 'text-delta', delta: 'Checking.' },
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '"Tokyo"}' },
        { type: 'tool-call-start', index: 1, id: 'call_b', name: 'time' },
        finish('stop'),
      ]),
    );
    expect(evs.map((e) => [e.event, e.data.index ?? null])).toEqual([
      ['message_start', null],
      ['content_block_start', 0],
      ['content_block_delta', 0],
      ['content_block_delta', 0],
      ['content_block_stop', 0],
      ['content_block_start', 1],
      ['content_block_delta', 1],
      ['content_block_stop', 1],
      ['content_block_start', 2],
      ['content_block_delta', 2],
      ['content_block_delta', 2],
      ['content_block_stop', 2],
      ['content_block_start', 3],
      ['content_block_stop', 3],
      ['message_delta', null],
      ['message_stop', null],
    ]);
    expect(evs[1]?.data.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(evs[2]?.data.delta).toEqual({ type: 'thinking_delta', thinking: 'Let me think.' });
    expect(evs[3]?.data.delta).toEqual({ type: 'signature_delta', signature: 'sig==' });
    expect(evs[8]?.data.content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'weather', input: {} });
    expect(evs[9]?.data.delta).toEqual({ type: 'input_json_delta', partial_json: '{"city":' });
    expect(evs[12]?.data.content_block).toEqual({ type: 'tool_use', id: 'call_b', name: 'time', input: {} });
    // The provider said stop, but the turn is tool calls.
    expect(evs[14]?.data.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('an empty answer is message_start, message_delta, message_stop', () => {
    expect(events(encodeAll([start, finish('length')])).map((e) => e.event)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('emits message_start even if stream-start is missing', () => {
    expect(events(encodeAll([{ type: 'text-delta', delta: 'x' }, finish()]))[0]?.event).toBe('message_start');
  });

  it('an error part: event error with the Anthropic error type; nothing after', () => {
    const encoder = createAnthropicStreamEncoder(ctx, { includeUsage: true });
    const error = new ProviderCallError({ provider: 'anthropic', url: 'http://x', message: 'Overloaded.', status: 529 });
    const text = encoder.encode(start) + encoder.encode({ type: 'text-delta', delta: 'a' }) + encoder.encode({ type: 'error', error });
    const evs = events(text);
    expect(evs[evs.length - 1]).toEqual({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded.' }, request_id: 'r1' } });
    expect(encoder.encode(finish())).toBe('');
    expect(encoder.fail(error)).toBe('');
  });

  it('fail() before anything was written is still a valid error event', () => {
    const encoder = createAnthropicStreamEncoder(ctx, { includeUsage: true });
    const evs = events(encoder.fail(new ProviderCallError({ provider: 'p', url: 'u', message: 'Timed out.', status: 504 })));
    expect(evs).toEqual([{ event: 'error', data: { type: 'error', error: { type: 'timeout_error', message: 'Timed out.' }, request_id: 'r1' } }]);
  });

  it('a fragment for a tool call whose block is closed ends the stream with an in-band error', () => {
    const text = encodeAll([
      start,
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'g' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      finish(),
    ]);
    const evs = events(text);
    expect(evs[evs.length - 1]?.data).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('ping is the Anthropic ping event', () => {
    expect(createAnthropicStreamEncoder(ctx, { includeUsage: true }).ping()).toBe('event: ping\ndata: {"type": "ping"}\n\n');
  });

  it('message_start carries the input and cache counts given with stream-start (output 0 until message_delta)', () => {
    const usage = { inputTokens: { total: 1135, noCache: 11, cacheRead: 1024, cacheWrite: 100 }, outputTokens: { total: 1 } };
    const [messageStart] = events(encodeAll([{ ...start, usage }, finish()]));
    expect(messageStart?.data.message).toMatchObject({ usage: { input_tokens: 11, cache_creation_input_tokens: 100, cache_read_input_tokens: 1024, output_tokens: 0 } });
  });
});
