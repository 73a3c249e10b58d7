import { describe, expect, it } from 'vitest';
import { InternalError, type ChatCall, type ChatResult } from '../core/index.js';
import { partsFromResult, ResponseCache, resultFromParts } from './response-cache.js';

const result: ChatResult = {
  content: [
    { type: 'reasoning', text: 'thinking', signature: 'sig' },
    { type: 'text', text: 'Hello' },
    { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
  ],
  finishReason: { unified: 'tool-calls', raw: 'tool_use' },
  usage: { inputTokens: { total: 10 }, outputTokens: { total: 5 } },
  warnings: [],
  response: { id: 'msg_1' },
};
const call = (text: string): ChatCall => ({ model: 'agent', messages: [{ role: 'user', content: [{ type: 'text', text }] }] });

describe('ResponseCache', () => {
  it('keys on rule and canonical call', () => {
    expect(ResponseCache.key('r', call('a'))).toBe(ResponseCache.key('r', call('a')));
    expect(ResponseCache.key('r', call('a'))).not.toBe(ResponseCache.key('r', call('b')));
    expect(ResponseCache.key('r', call('a'))).not.toBe(ResponseCache.key('s', call('a')));
  });

  it('expires entries after their TTL and evicts the least recently used past the bound', () => {
    let now = 0;
    const cache = new ResponseCache({ maxEntries: 2, now: () => now });
    cache.set('a', result, 'ollama/phi3');
    cache.set('b', result, 'ollama/phi3');
    expect(cache.get('a', 1000)?.ref).toBe('ollama/phi3'); // a is now the most recent
    cache.set('c', result, 'ollama/phi3');
    expect(cache.get('b', 1000)).toBeUndefined();
    expect(cache.get('a', 1000)).toBeDefined();
    now = 1000;
    expect(cache.get('a', 1000)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('does not keep failed answers', () => {
    const cache = new ResponseCache();
    cache.set('x', { ...result, finishReason: { unified: 'error' } }, 'ollama/phi3');
    expect(cache.get('x', 1000)).toBeUndefined();
  });

  it('replays a result as stream parts and folds them back to the same result', () => {
    expect(resultFromParts(partsFromResult(result))).toEqual(result);
    expect(resultFromParts([...partsFromResult(result).slice(0, 2), { type: 'error', error: new InternalError() }])).toBeUndefined();
  });
});
