import { createHash } from 'node:crypto';
import type { ChatCall, ChatResult, StreamPart } from '../core/index.js';

export interface CachedResponse {
  readonly result: ChatResult;
  /** The target that produced it, for headers and the ledger. */
  readonly ref: string;
  readonly storedAt: number;
}

/**
 * The optional exact-match response cache (per rule, `cache: { ttlSeconds }`, off by default).
 * The key is the canonical call, so the same question asked in either client dialect, streamed or
 * not, is one entry. Bounded LRU; expired entries are dropped when met. A hit costs nothing.
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The cache key of a call under a rule: a digest of its canonical form. */
  static key(rule: string, call: ChatCall): string {
    return createHash('sha256').update(rule).update('\0').update(JSON.stringify(call)).digest('base64url');
  }

  get(key: string, ttlMs: number): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() - entry.storedAt >= ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Refresh its place in the LRU order (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, result: ChatResult, ref: string): void {
    // Only complete answers are worth replaying.
    if (result.finishReason.unified === 'error') return;
    this.entries.delete(key);
    this.entries.set(key, { result, ref, storedAt: this.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Replays a cached result as a stream, for a streaming client that hits the cache. */
export function partsFromResult(result: ChatResult): StreamPart[] {
  const parts: StreamPart[] = [{ type: 'stream-start', response: result.response, warnings: result.warnings }];
  let toolIndex = 0;
  for (const part of result.content) {
    if (part.type === 'text') parts.push({ type: 'text-delta', delta: part.text });
    else if (part.type === 'reasoning') {
      parts.push({ type: 'reasoning-delta', delta: part.text });
      if (part.signature !== undefined) parts.push({ type: 'reasoning-signature', signature: part.signature });
    } else {
      parts.push({ type: 'tool-call-start', index: toolIndex, id: part.id, name: part.name });
      parts.push({ type: 'tool-call-delta', index: toolIndex, argumentsDelta: part.arguments });
      toolIndex += 1;
    }
  }
  parts.push({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
  return parts;
}

/** Folds a finished stream back into a result, so streamed answers can be cached too. */
export function resultFromParts(parts: readonly StreamPart[]): ChatResult | undefined {
  const content: Array<ChatResult['content'][number]> = [];
  let text = '';
  let reasoning = '';
  let signature: string | undefined;
  const tools = new Map<number, { id: string; name: string; arguments: string }>();
  let start: Extract<StreamPart, { type: 'stream-start' }> | undefined;
  for (const part of parts) {
    switch (part.type) {
      case 'stream-start':
        start = part;
        break;
      case 'text-delta':
        text += part.delta;
        break;
      case 'reasoning-delta':
        reasoning += part.delta;
        break;
      case 'reasoning-signature':
        signature = part.signature;
        break;
      case 'tool-call-start':
        tools.set(part.index, { id: part.id, name: part.name, arguments: '' });
        break;
      case 'tool-call-delta': {
        const tool = tools.get(part.index);
        if (tool) tool.arguments += part.argumentsDelta;
        break;
      }
      case 'error':
        return undefined;
      case 'finish':
        if (reasoning !== '') content.push({ type: 'reasoning', text: reasoning, ...(signature !== undefined ? { signature } : {}) });
        if (text !== '') content.push({ type: 'text', text });
        for (const tool of tools.values()) content.push({ type: 'tool-call', ...tool });
        return { content, finishReason: part.finishReason, usage: part.usage, warnings: start?.warnings ?? [], response: start?.response ?? {} };
    }
  }
  return undefined;
}
