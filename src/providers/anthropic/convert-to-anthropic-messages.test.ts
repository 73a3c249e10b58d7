import { describe, expect, it } from 'vitest';
import { InvalidRequestError, type CallWarning } from '../../core/index.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

describe('convertToAnthropicMessages', () => {
  it('hoists system, converts blocks, groups tool results first and merges same-role turns (PROTOCOLS §4.4)', () => {
    const warnings: CallWarning[] = [];
    const result = convertToAnthropicMessages(
      [
        { role: 'system', content: 'Be terse.' },
        { role: 'system', content: 'Use metric.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here and there?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { kind: 'url', url: 'https://x/map.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Two cities.', signature: 'sig' },
            { type: 'text', text: '' },
            { type: 'tool-call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
            { type: 'tool-call', id: 'toolu_2', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: '11C' }] }] },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'toolu_2',
              isError: true,
              content: [{ type: 'text', text: 'no data' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA' } }],
            },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'Thanks, and?' }] },
      ],
      warnings,
    );
    expect(result.system).toBe('Be terse.\n\nUse metric.');
    expect(result.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather here and there?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { type: 'url', url: 'https://x/map.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Two cities.', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Tokyo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '11C' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_2',
            content: [
              { type: 'text', text: 'no data' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
            ],
            is_error: true,
          },
          { type: 'text', text: 'Thanks, and?' },
        ],
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('puts tool results before text that came first in a merged user turn', () => {
    const { messages } = convertToAnthropicMessages(
      [
        { role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'f', arguments: '{}' }] },
        { role: 'user', content: [{ type: 'text', text: 'note' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't', content: [] }] },
      ],
      [],
    );
    expect(messages[1]?.content).toEqual([{ type: 'tool_result', tool_use_id: 't' }, { type: 'text', text: 'note' }]);
  });

  it('warns about a mid-conversation system message and unsigned reasoning', () => {
    const warnings: CallWarning[] = [];
    const result = convertToAnthropicMessages(
      [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'no signature' }, { type: 'text', text: 'hello' }] },
        { role: 'system', content: 'Now be formal.' },
        { role: 'user', content: [{ type: 'text', text: 'ok' }] },
      ],
      warnings,
    );
    expect(result.system).toBe('Now be formal.');
    expect(result.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'hello' }] });
    expect(warnings).toHaveLength(2);
  });

  it('rejects invalid tool-call JSON with the param path', () => {
    expect(() => convertToAnthropicMessages([{ role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'f', arguments: '{oops' }] }], [])).toThrow(
      InvalidRequestError,
    );
    expect(() => convertToAnthropicMessages([{ role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'f', arguments: '{oops' }] }], [])).toThrow(
      expect.objectContaining({ param: 'messages.0.content.0.arguments' }),
    );
  });

  it('puts cache_control on the block that carried the breakpoint, ttl only when given', () => {
    const { system, messages } = convertToAnthropicMessages(
      [
        { role: 'system', content: 'Rules.', cacheControl: { ttl: '1h' } },
        { role: 'system', content: 'Docs.', cacheControl: {} },
        { role: 'system', content: 'Today.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look.', cacheControl: { ttl: '5m' } },
            { type: 'image', source: { kind: 'url', url: 'https://x/a.png' }, cacheControl: {} },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.', cacheControl: {} },
            { type: 'tool-call', id: 't1', name: 'f', arguments: '{}', cacheControl: {} },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: 'ok' }], cacheControl: {}, isError: true }] },
      ],
      [],
    );
    expect(system).toEqual([
      { type: 'text', text: 'Rules.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Docs.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Today.' },
    ]);
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look.', cache_control: { type: 'ephemeral', ttl: '5m' } },
          { type: 'image', source: { type: 'url', url: 'https://x/a.png' }, cache_control: { type: 'ephemeral' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.', cache_control: { type: 'ephemeral' } },
          { type: 'tool_use', id: 't1', name: 'f', input: {}, cache_control: { type: 'ephemeral' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', is_error: true, cache_control: { type: 'ephemeral' } }] },
    ]);
  });

  it('keeps tool-result blocks as blocks when one inside carries a breakpoint', () => {
    const { messages } = convertToAnthropicMessages(
      [
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 't1',
              content: [
                { type: 'text', text: 'a' },
                { type: 'text', text: 'b', cacheControl: {} },
              ],
            },
          ],
        },
      ],
      [],
    );
    expect(messages[0]?.content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 't1',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b', cache_control: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('keeps an empty text block that carries a breakpoint (the API then says what is wrong), drops other empty ones', () => {
    const { system, messages } = convertToAnthropicMessages(
      [
        { role: 'system', content: '', cacheControl: {} },
        { role: 'system', content: '' },
        { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: '', cacheControl: {} }] },
      ],
      [],
    );
    expect(system).toEqual([{ type: 'text', text: '', cache_control: { type: 'ephemeral' } }]);
    expect(messages).toEqual([{ role: 'user', content: [{ type: 'text', text: '', cache_control: { type: 'ephemeral' } }] }]);
  });
});
