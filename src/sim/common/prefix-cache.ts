import { createHash } from 'node:crypto';

/**
 * Prompt-prefix cache bookkeeping, so simulated usage reports cache writes and reads the way the
 * real services do: the first request with a given prefix writes it, later ones (within the TTL)
 * read it. Only keys are kept, never prompts.
 */

/** One piece of a prompt in cache order (tools, system, messages), with its token count. */
export interface PromptSegment {
  readonly text: string;
  readonly tokens: number;
}

/** Hash keys of every prefix ending at the given segment indices (ascending). */
export function prefixKeys(scope: string, segments: readonly PromptSegment[], ends: readonly number[]): string[] {
  const hash = createHash('sha256').update(scope);
  const keys: string[] = [];
  let next = 0;
  segments.forEach((segment, i) => {
    hash.update('\u0000').update(segment.text);
    if (ends[next] === i) {
      keys.push(hash.copy().digest('hex'));
      next++;
    }
  });
  return keys;
}

export class PrefixCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Index of the longest key still cached (its TTL refreshed by the caller's store), or -1. */
  longestHit(keys: readonly string[]): number {
    const now = this.now();
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const expires = key === undefined ? undefined : this.entries.get(key);
      if (expires !== undefined && expires > now) return i;
    }
    return -1;
  }

  store(key: string, ttlMs: number): void {
    if (this.entries.size > 50_000) this.sweep();
    this.entries.set(key, this.now() + ttlMs);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, expires] of this.entries) if (expires <= now) this.entries.delete(key);
  }
}
