import { decode, encode } from 'gpt-tokenizer';

/**
 * Deterministic "model output": a seeded PRNG picks words, so the same seed and prompt always give
 * the same answer (tests compare outputs; benchmarks need stable sizes) while different prompts
 * give different text.
 */

/** 32-bit FNV-1a over the string, mixed with a seed. Stable across runs and platforms. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough for fake text and ids. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random string over an alphabet, for ids that look like the real ones. */
export function randomString(rng: () => number, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)] ?? 'a';
  return out;
}

const WORDS = (
  'the model answer request token local cloud cost time data system value result question ' +
  'simple clear good small large fast slow first last next other same different important ' +
  'information example process service network server client memory cache budget price ' +
  'quality report number table query document search index record field user team project ' +
  'plan work test case point step part level rate limit error retry route target policy ' +
  'is are was can will should could would may might has have makes takes gives shows uses ' +
  'finds needs keeps runs sends reads writes returns checks builds helps means follows ' +
  'and but so because when while if then also only just still often usually here there ' +
  'this that these those each every some many most more less very well about into with from ' +
  'over under after before between through without within across'
).split(' ');

const cache = new Map<string, string>();
const CACHE_LIMIT = 1_000;

/**
 * Text of exactly `tokens` gpt-tokenizer tokens, determined by `seed` and `key` (the prompt).
 * Sentences of 6–14 words, capitalised, ending in a period.
 */
export function generateText(seed: number, key: string, tokens: number): string {
  if (tokens <= 0) return '';
  const cacheKey = `${seed}\u0000${tokens}\u0000${key}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;

  const rng = createRng(hashString(key, seed));
  let text = '';
  let ids: number[] = [];
  let sentenceLeft = 0;
  while (ids.length < tokens + 2) {
    // Most words are one token; over-generate a little then cut on a token boundary.
    for (let i = 0; i < tokens + 4; i++) {
      let word = WORDS[Math.floor(rng() * WORDS.length)] ?? 'the';
      if (sentenceLeft === 0) {
        word = word.charAt(0).toUpperCase() + word.slice(1);
        sentenceLeft = 6 + Math.floor(rng() * 9);
      }
      sentenceLeft -= 1;
      text += (text.length === 0 ? '' : ' ') + word + (sentenceLeft === 0 ? '.' : '');
    }
    ids = encode(text);
  }
  const out = decode(ids.slice(0, tokens));
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(cacheKey, out);
  return out;
}

/** A deterministic unit vector: stands in for an embedding (same model + text → same vector). */
export function unitVector(key: string, dims: number): number[] {
  const rng = createRng(hashString(key, 0x5eed));
  const v = new Array<number>(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const x = rng() * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  for (let i = 0; i < dims; i++) v[i] = (v[i] ?? 0) * scale;
  return v;
}
