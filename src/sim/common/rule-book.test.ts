import { describe, expect, it } from 'vitest';
import { FaultBook } from './rule-book.js';
import { faultListSchema, parseOrThrow, scriptSpecSchema } from './rule-specs.js';

const normalize = (m: string): string => (m.includes(':') ? m : `${m}:latest`);

describe('FaultBook', () => {
  it('matches on model (normalised), path and pattern, and expires after `times`', () => {
    const book = new FaultBook(normalize);
    book.set([{ kind: 'status', status: 503, times: 2, match: { model: 'llama3.2', path: '/api/chat', pattern: 'fail' } }]);
    expect(book.select({ path: '/api/chat', model: 'llama3.2:latest', userText: 'ok' }).any).toBe(false);
    expect(book.select({ path: '/api/generate', model: 'llama3.2:latest', userText: 'fail' }).any).toBe(false);
    expect(book.select({ path: '/api/chat', model: 'llama3.2:latest', userText: 'please fail' }).terminal).toMatchObject({ status: 503 });
    expect(book.select({ path: '/api/chat', model: 'llama3.2:latest', userText: 'fail' }).any).toBe(true);
    expect(book.select({ path: '/api/chat', model: 'llama3.2:latest', userText: 'fail' }).any).toBe(false);
    expect(book.list()).toEqual([]);
  });

  it('applies one terminal fault and combines delivery faults; a shadowed fault keeps its count', () => {
    const book = new FaultBook(normalize);
    book.set([
      { kind: 'latency', ms: 10 },
      { kind: 'status', status: 429, times: 1 },
      { kind: 'reset', times: 1 },
      { kind: 'latency', ms: 5, times: 1 },
      { kind: 'drop-mid-stream', afterChunks: 3 },
      { kind: 'error-mid-stream', afterChunks: 1 },
    ]);
    const first = book.select({ path: '/x' });
    expect(first.terminal?.kind).toBe('status');
    expect(first.delivery).toEqual({ latencyMs: 15, cut: { kind: 'drop', afterChunks: 3 } });
    expect(book.select({ path: '/x' }).terminal?.kind).toBe('reset');
    expect(book.select({ path: '/x' }).terminal).toBeUndefined();
  });

  it('validates specs with readable errors', () => {
    expect(() => parseOrThrow(faultListSchema, [{ kind: 'status' }], 'fault list')).toThrow(/0\.status/);
    expect(() => parseOrThrow(faultListSchema, [{ kind: 'explode' }], 'fault list')).toThrow(/invalid fault list/);
    expect(() => parseOrThrow(faultListSchema, [{ kind: 'hang', match: { pattern: '(' } }], 'fault list')).toThrow(/regular expression/);
    expect(scriptSpecSchema.safeParse({ match: { pattern: 'x' }, reply: {} }).success).toBe(false);
    expect(scriptSpecSchema.safeParse({ match: { pattern: 'x' }, reply: { json: null } }).success).toBe(true);
  });
});
