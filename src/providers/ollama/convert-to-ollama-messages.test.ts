import { describe, expect, it } from 'vitest';
import { InvalidRequestError, type CallWarning } from '../../core/index.js';
import { convertToOllamaMessages } from './convert-to-ollama-messages.js';

describe('convertToOllamaMessages', () => {
  it('converts a full tool conversation (PROTOCOLS §1.2)', () => {
    const warnings: CallWarning[] = [];
    const messages = convertToOllamaMessages(
      [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo' } },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'data:image/png;base64,AAAA' } },
            { type: 'text', text: 'And the weather?' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Need weather.' },
            { type: 'text', text: '' },
            { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: '11 degrees celsius' }] }] },
      ],
      warnings,
    );
    expect(messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'What is in this picture?\nAnd the weather?', images: ['iVBORw0KGgo', 'AAAA'] },
      {
        role: 'assistant',
        content: '',
        thinking: 'Need weather.',
        tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Tokyo' } } }],
      },
      { role: 'tool', content: '11 degrees celsius', tool_name: 'get_weather', tool_call_id: 'call_1' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('rejects image URLs Ollama cannot fetch, naming the part', () => {
    const convert = () =>
      convertToOllamaMessages(
        [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image', source: { kind: 'url', url: 'https://x/cat.jpg' } }] }],
        [],
      );
    expect(convert).toThrow(InvalidRequestError);
    expect(convert).toThrow(expect.objectContaining({ param: 'messages.0.content.1', status: 400 }));
  });

  it('accepts a data: URL given as a URL image', () => {
    const [message] = convertToOllamaMessages([{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,QUJD' } }] }], []);
    expect(message).toEqual({ role: 'user', content: '', images: ['QUJD'] });
  });

  it('rejects tool-call arguments that are not a JSON object', () => {
    const call = (args: string) => () =>
      convertToOllamaMessages([{ role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'tool-call', id: 'c', name: 'f', arguments: args }] }], []);
    expect(call('{"city":')).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'messages.0.content.1.arguments' }));
    expect(call('[1]')).toThrow(InvalidRequestError);
    expect(call('')).not.toThrow();
  });

  it('prefers the tool name the client gave, and warns that the error flag cannot be sent', () => {
    const warnings: CallWarning[] = [];
    const messages = convertToOllamaMessages(
      [
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'a', toolName: 'lookup', content: [{ type: 'text', text: 'boom' }], isError: true },
            { type: 'tool-result', toolCallId: 'unknown', content: [] },
          ],
        },
      ],
      warnings,
    );
    expect(messages).toEqual([
      { role: 'tool', content: 'boom', tool_name: 'lookup', tool_call_id: 'a' },
      { role: 'tool', content: '', tool_call_id: 'unknown' },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.setting).toBe('messages');
  });
});
