import { describe, expect, it } from 'vitest';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

describe('mapOpenAIFinishReason', () => {
  it.each([
    ['stop', false, 'stop'],
    ['stop', true, 'tool-calls'],
    ['length', false, 'length'],
    ['tool_calls', true, 'tool-calls'],
    ['function_call', true, 'tool-calls'],
    ['content_filter', false, 'content-filter'],
    ['something-new', false, 'other'],
  ] as const)('%s (tool calls: %s) → %s', (raw, hasToolCalls, unified) => {
    expect(mapOpenAIFinishReason(raw, hasToolCalls)).toEqual({ unified, raw });
  });

  it('maps a missing reason to other', () => {
    expect(mapOpenAIFinishReason(null, false)).toEqual({ unified: 'other', raw: undefined });
  });
});
