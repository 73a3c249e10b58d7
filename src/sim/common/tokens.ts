import { decode, encode } from 'gpt-tokenizer';

/**
 * Token counting and splitting with gpt-tokenizer (o200k), so every count a simulator reports is
 * exactly the tokenizer's count of the text it produced: tests can assert equality, not ranges.
 */

const CACHE_LIMIT = 2_000;
/** Long prompts repeat a lot in benchmarks; remembering their counts keeps the sims cheap. */
const countCache = new Map<string, number>();

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const cached = countCache.get(text);
  if (cached !== undefined) return cached;
  const n = encode(text).length;
  remember(countCache, text, n);
  return n;
}

/**
 * Splits text into one string per token, as a model streams it. A token that ends inside a
 * multi-byte character is merged with the next, so every piece is valid text and the pieces
 * join back to exactly `text`.
 */
export function splitTokens(text: string): string[] {
  if (text.length === 0) return [];
  const cached = splitCache.get(text);
  if (cached !== undefined) return [...cached];
  const pieces = split(text);
  if (text.length <= 10_000) remember(splitCache, text, pieces);
  return [...pieces];
}

/** Generated answers repeat across requests; splitting them once keeps streaming cheap. */
const splitCache = new Map<string, readonly string[]>();

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, value);
}

function split(text: string): string[] {
  const ids = encode(text);
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const id of ids) {
    pending.push(id);
    const piece = decode(pending);
    if (!piece.includes('\uFFFD')) {
      pieces.push(piece);
      pending = [];
    }
  }
  if (pending.length > 0) pieces.push(decode(pending));
  return pieces.join('') === text ? pieces : [text];
}

/** The first `max` tokens of `text`, as pieces; `truncated` when the text was longer. */
export function takeTokens(text: string, max: number | undefined): { pieces: string[]; truncated: boolean } {
  const pieces = splitTokens(text);
  if (max === undefined || pieces.length <= max) return { pieces, truncated: false };
  return { pieces: pieces.slice(0, Math.max(0, max)), truncated: true };
}

/** Token ids, for Ollama's deprecated `context` array. */
export function tokenIds(text: string): number[] {
  return encode(text);
}
