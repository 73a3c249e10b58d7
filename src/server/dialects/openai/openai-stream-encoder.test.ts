import { describe, expect, it } from 'vitest';
import { NoRouteError, ProviderCallError, type StreamPart } from '../../../core/index.js';
import { createOpenAIStreamEncoder } from './openai-stream-encoder.js';

const ctx = { requestId: 'r1', model: 'alias', created: 42 };
const start: StreamPart = { type: 'stream-start', response: {}, warnings: [] };
const finish = (unified: 'stop' | 'tool-calls' | 'length' = 'stop'): StreamPart => ({
  type: 'finish',
  finishReason: { unified },
  usage: { inputTokens: { total: 10, cacheRead: 4 }, outputTokens: { total: 5, reasoning: 2 } },
});

/** The JSON payloads of the `data:` lines (and the literal `[DONE]`). */
function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => {
      expect(e.startsWith('data: ')).toBe(true);
      const data = e.slice(6);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

function encodeAll(parts: StreamPart[], includeUsage: boolean, exposeReasoning = false): string {
  const encoder = createOpenAIStreamEncoder({ ...ctx, exposeReasoning }, { includeUsage });
  return parts.map((p) => encoder.encode(p)).join('');
}

const chunk = (delta: object, finishReason: string | null = null) => ({
  id: 'chatcmpl-r1',
  object: 'chat.completion.chunk',
  created: 42,
  model: 'alias',
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

describe('createOpenAIStreamEncoder', () => {
  it('text stream: role chunk, content chunks, finish chunk, [DONE]', () => {
    const text = encodeAll([start, { type: 'text-delta', delta: 'Hel' }, { type: 'text-delta', delta: '' }, { type: 'text-delta', delta: 'lo "x"\n' }, finish()], false);
    expect(events(text)).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo "x"\n' }),
      chunk({}, 'stop'),
      '[DONE]',
    ]);
  });

  it('with include_usage: usage null on every chunk, then a choices:[] usage chunk', () => {
    const text = encodeAll([start, { type: 'text-delta', delta: 'Hi' }, finish('length')], true);
    expect(events(text)).toEqual([
      { ...chunk({ role: 'assistant', content: '' }), usage: null },
      { ...chunk({ content: 'Hi' }), usage: null },
      { ...chunk({}, 'length'), usage: null },
      {
        id: 'chatcmpl-r1',
        object: 'chat.completion.chunk',
        created: 42,
        model: 'alias',
        choices: [],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 5,
          total_tokens: 15,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      },
      '[DONE]',
    ]);
  });

  it('tool calls: header delta then argument fragments; empty fragments skipped; finish tool_calls even if the provider said stop', () => {
    const text = encodeAll(
      [
        start,
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '"Tokyo"}' },
        { type: 'tool-call-start', index: 1, id: 'call_b', name: 'time' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
        finish('stop'),
      ],
      false,
    );
    expect(events(text)).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Tokyo"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ]);
  });

  it('reasoning is dropped by default and exposed as reasoning_content on request', () => {
    const parts: StreamPart[] = [
      start,
      { type: 'reasoning-delta', delta: 'hmm' },
      { type: 'reasoning-signature', signature: 'sig' },
      { type: 'text-delta', delta: 'A' },
      finish(),
    ];
    expect(events(encodeAll(parts, false))).toEqual([chunk({ role: 'assistant', content: '' }), chunk({ content: 'A' }), chunk({}, 'stop'), '[DONE]']);
    expect(events(encodeAll(parts, false, true))[1]).toEqual(chunk({ reasoning_content: 'hmm' }));
  });

  it('emits the role chunk even if stream-start is missing', () => {
    expect(events(encodeAll([{ type: 'text-delta', delta: 'x' }, finish()], false)).slice(0, 2)).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'x' }),
    ]);
  });

  it('an error part: in-band error object, no [DONE], nothing after', () => {
    const encoder = createOpenAIStreamEncoder(ctx, { includeUsage: true });
    const error = new ProviderCallError({ provider: 'ollama', url: 'http://x', message: 'Upstream overloaded.', status: 503 });
    const text = encoder.encode(start) + encoder.encode({ type: 'text-delta', delta: 'a' }) + encoder.encode({ type: 'error', error });
    const evs = events(text);
    expect(evs[evs.length - 1]).toEqual({ error: { message: 'Upstream overloaded.', type: 'server_error', param: null, code: 'upstream_overloaded' } });
    expect(text).not.toContain('[DONE]');
    expect(encoder.encode(finish())).toBe('');
    expect(encoder.fail(error)).toBe('');
  });

  it('fail() mid-stream writes the in-band error once; after finish it writes nothing', () => {
    const encoder = createOpenAIStreamEncoder(ctx, { includeUsage: false });
    encoder.encode(start);
    expect(events(encoder.fail(new NoRouteError('No target.')))).toEqual([{ error: { message: 'No target.', type: 'server_error', param: null, code: 'no_route' } }]);
    expect(encoder.fail(new NoRouteError('again'))).toBe('');
    const done = createOpenAIStreamEncoder(ctx, { includeUsage: false });
    done.encode(finish());
    expect(done.fail(new NoRouteError('late'))).toBe('');
  });

  it('ping is an SSE comment', () => {
    expect(createOpenAIStreamEncoder(ctx, { includeUsage: false }).ping()).toBe(': ping\n\n');
  });
});
