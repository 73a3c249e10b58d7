import { describe, expect, it } from 'vitest';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';

describe('mapOllamaFinishReason', () => {
  it.each([
    ['stop', false, 'stop'],
    ['stop', true, 'tool-calls'],
    ['length', false, 'length'],
    ['length', true, 'length'],
    [undefined, false, 'stop'],
    [undefined, true, 'tool-calls'],
    ['load', false, 'other'],
    ['unload', false, 'other'],
    ['something-new', false, 'other'],
  ] as const)('%s (tool calls: %s) → %s', (raw, hasToolCalls, unified) => {
    expect(mapOllamaFinishReason(raw, hasToolCalls)).toEqual({ unified, raw });
  });
});
