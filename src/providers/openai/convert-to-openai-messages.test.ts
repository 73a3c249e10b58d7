import { describe, expect, it } from 'vitest';
import type { CallWarning } from '../../core/index.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';

describe('convertToOpenAIMessages', () => {
  it('converts every role (PROTOCOLS §2.3)', () => {
    const warnings: CallWarning[] = [];
    expect(
      convertToOpenAIMessages(
        [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
              { type: 'image', source: { kind: 'url', url: 'https://x/cat.jpg' } },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'call_abc', name: 'get_weather', arguments: '{"city":"Tokyo"}' }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_abc', content: [{ type: 'text', text: '11C' }] }] },
          { role: 'assistant', content: [{ type: 'text', text: 'It is ' }, { type: 'text', text: '11C.' }] },
        ],
        warnings,
      ),
    ).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Hi' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
          { type: 'image_url', image_url: { url: 'https://x/cat.jpg' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '11C' },
      { role: 'assistant', content: 'It is 11C.' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('warns (once each) about reasoning, tool-result images and the error flag', () => {
    const warnings: CallWarning[] = [];
    convertToOpenAIMessages(
      [
        { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'a' }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'b' }] },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'c',
              isError: true,
              content: [{ type: 'text', text: 'x' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'A' } }],
            },
          ],
        },
      ],
      warnings,
    );
    expect(warnings).toHaveLength(3);
    expect(warnings.every((w) => w.setting === 'messages')).toBe(true);
  });
});
