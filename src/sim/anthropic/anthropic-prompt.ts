import { isRecord } from '../common/http-util.js';
import type { PrefixCache, PromptSegment } from '../common/prefix-cache.js';
import { prefixKeys } from '../common/prefix-cache.js';
import { countTokens } from '../common/tokens.js';

/**
 * An Anthropic prompt as the prompt cache sees it: segments in cache order (tools, system,
 * messages), each possibly a cache breakpoint (`cache_control`), and the usage split that follows.
 */

type Ttl = '5m' | '1h';

interface Segment extends PromptSegment {
  readonly ttl?: Ttl;
}

/** A stand-in size for an image block (a ~1 MP image costs about this much). */
const IMAGE_TOKENS = 1_600;

function ttlOf(block: Record<string, unknown>): Ttl | undefined {
  const cc = block.cache_control;
  if (!isRecord(cc)) return undefined;
  return cc.ttl === '1h' ? '1h' : '5m';
}

function segment(text: string, ttl?: Ttl, tokens = countTokens(text)): Segment {
  return { text, tokens, ttl };
}

/** Text of a tool_result's content (string or blocks). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((b) => (typeof b.text === 'string' ? b.text : ''))
    .join('');
}

function blockSegment(block: unknown): Segment {
  if (!isRecord(block)) return segment('');
  const ttl = ttlOf(block);
  switch (block.type) {
    case 'text':
      return segment(typeof block.text === 'string' ? block.text : '', ttl);
    case 'image':
    case 'document': {
      const source = isRecord(block.source) ? JSON.stringify(block.source).slice(0, 256) : '';
      return segment(`${String(block.type)}:${source}`, ttl, IMAGE_TOKENS);
    }
    case 'tool_use':
      return segment(`${String(block.name)}${JSON.stringify(block.input ?? {})}`, ttl);
    case 'tool_result':
      return segment(resultText(block.content), ttl);
    case 'thinking':
      return segment(typeof block.thinking === 'string' ? block.thinking : '', ttl);
    default:
      return segment('', ttl);
  }
}

export interface AnthropicPrompt {
  readonly segments: readonly Segment[];
  readonly totalTokens: number;
  /** All prompt text, the generator's key. */
  readonly promptText: string;
}

export function buildPrompt(body: Record<string, unknown>): AnthropicPrompt {
  const segments: Segment[] = [];
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools.filter(isRecord)) {
      segments.push(segment(JSON.stringify({ name: tool.name, description: tool.description, input_schema: tool.input_schema }), ttlOf(tool)));
    }
  }
  if (typeof body.system === 'string') segments.push(segment(body.system));
  else if (Array.isArray(body.system)) segments.push(...body.system.map(blockSegment));
  if (Array.isArray(body.messages)) {
    for (const m of body.messages.filter(isRecord)) {
      if (typeof m.content === 'string') segments.push(segment(m.content));
      else if (Array.isArray(m.content)) segments.push(...m.content.map(blockSegment));
    }
  }
  // Top-level cache_control: automatic caching puts the breakpoint on the last block.
  const last = segments.at(-1);
  if (last && isRecord(body.cache_control) && last.ttl === undefined) {
    segments[segments.length - 1] = { ...last, ttl: body.cache_control.ttl === '1h' ? '1h' : '5m' };
  }
  return {
    segments,
    totalTokens: segments.reduce((n, s) => n + s.tokens, 0),
    promptText: segments.map((s) => s.text).join('\n'),
  };
}

export interface CacheUsage {
  readonly input_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_creation: { readonly ephemeral_5m_input_tokens: number; readonly ephemeral_1h_input_tokens: number };
}

const TTL_MS: Record<Ttl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/**
 * Splits prompt tokens into uncached / cache write / cache read. The longest breakpoint prefix
 * seen before (same model, within its TTL) is read; the rest up to the last breakpoint is
 * written; everything after the last breakpoint is plain input. Prefixes shorter than
 * `minCacheableTokens` are not cached at all, as with the real minimums.
 */
export function cacheUsage(prompt: AnthropicPrompt, model: string, cache: PrefixCache, minCacheableTokens: number): CacheUsage {
  const ends: number[] = [];
  const lengths: number[] = [];
  let running = 0;
  prompt.segments.forEach((s, i) => {
    running += s.tokens;
    if (s.ttl !== undefined) {
      ends.push(i);
      lengths.push(running);
    }
  });
  const cachedPrefix = lengths.at(-1) ?? 0;
  const none: CacheUsage = {
    input_tokens: prompt.totalTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  };
  if (ends.length === 0 || cachedPrefix < minCacheableTokens) return none;

  const keys = prefixKeys(model, prompt.segments, ends);
  const hit = cache.longestHit(keys);
  const read = hit >= 0 ? (lengths[hit] ?? 0) : 0;
  const written: Record<Ttl, number> = { '5m': 0, '1h': 0 };
  for (let k = hit + 1; k < ends.length; k++) {
    const ttl = prompt.segments[ends[k] ?? 0]?.ttl ?? '5m';
    written[ttl] += (lengths[k] ?? 0) - (k === 0 ? 0 : (lengths[k - 1] ?? 0));
  }
  keys.forEach((key, k) => cache.store(key, TTL_MS[prompt.segments[ends[k] ?? 0]?.ttl ?? '5m']));
  return {
    input_tokens: prompt.totalTokens - cachedPrefix,
    cache_creation_input_tokens: written['5m'] + written['1h'],
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
  };
}

/** Text blocks of a user message (tool results are not the user speaking). */
export function userText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.filter(isRecord).filter((b) => b.type === 'text');
  if (texts.length === 0) return undefined;
  return texts.map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n');
}
