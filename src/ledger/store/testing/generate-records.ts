import type { LedgerAttempt, LedgerOutcome, LedgerRecord } from '../../ledger-record.js';
import { LATENCY_BUCKET_BOUNDS_MS } from '../../latency-histogram.js';
import { createRng } from '../../../sim/common/text-generator.js';

export interface GenerateRecordsOptions {
  /** Same seed, same records. */
  readonly seed: number;
  /** Epoch ms of the earliest possible record. */
  readonly start: number;
  /** Records spread uniformly over [start, start + spanMs). */
  readonly spanMs: number;
  /** Prefix of the ids (`<prefix>-<n>`), so batches from several calls do not collide. */
  readonly idPrefix?: string;
  /** Share of records that carry a prompt and response (default 0.3). */
  readonly payloadShare?: number;
}

/** A seeded PRNG (the simulators' mulberry32), so test data varies reproducibly. */
export const seededRandom = createRng;

const KEYS: readonly { keyId: string | null; team: string | null }[] = [
  { keyId: 'key_alpha', team: 'search' },
  { keyId: 'key_Beta', team: 'search' },
  { keyId: 'key_gamma', team: 'Agents' },
  { keyId: 'key_delta', team: null },
  { keyId: null, team: null },
];

/** Mixed case on purpose: reports must sort by code point (as SQLite does), not by a locale. */
const TASKS = ['chat', 'Summarize', 'code', 'extract', null] as const;
const TIERS = ['small', 'large', 'Medium', null] as const;

const TARGETS: readonly { provider: string | null; model: string | null; local: boolean }[] = [
  { provider: 'ollama', model: 'llama3.2', local: true },
  { provider: 'ollama', model: 'qwen2.5:7b', local: true },
  { provider: 'gpu-box', model: 'qwen2.5:7b', local: true },
  { provider: 'anthropic', model: 'claude-haiku-5-5', local: false },
  { provider: 'openai', model: 'gpt-4o', local: false },
  // A model name with a slash: `target` filters split at the first one.
  { provider: 'openrouter', model: 'meta-llama/llama-3-70b', local: false },
  { provider: null, model: null, local: false },
];

const OUTCOMES: readonly LedgerOutcome[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'error', 'partial', 'client_aborted'];

/**
 * Varied, seeded ledger records: every nullable field sometimes null, every outcome, cache hits,
 * estimated tokens, unknown prices, fallbacks, streams with and without a TTFT, payloads of
 * several JSON shapes (including a stored `null`).
 */
export function generateRecords(count: number, options: GenerateRecordsOptions): LedgerRecord[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number): boolean => random() < p;
  const int = (max: number): number => Math.floor(random() * max);
  // Log-uniform over [min, max), so every latency bucket sees records (the overflow one too);
  // one draw in 20 lands exactly on a bucket bound, where the JavaScript and SQL folds must agree.
  const spread = (min: number, max: number): number => {
    const draw = random();
    if (draw < 0.05) return LATENCY_BUCKET_BOUNDS_MS[Math.floor((draw / 0.05) * LATENCY_BUCKET_BOUNDS_MS.length)]!;
    return min * Math.exp(((draw - 0.05) / 0.95) * Math.log(max / min));
  };
  const prefix = options.idPrefix ?? `r${options.seed}`;
  const payloadShare = options.payloadShare ?? 0.3;

  const records: LedgerRecord[] = [];
  for (let n = 0; n < count; n++) {
    const { keyId, team } = pick(KEYS);
    const target = pick(TARGETS);
    const called = target.provider !== null;
    const cache = !called ? null : chance(0.05) ? 'hit' : chance(0.8) ? 'miss' : null;
    const outcome: LedgerOutcome = called ? pick(OUTCOMES) : 'error';
    const stream = chance(0.5);
    const costUsd = !called || cache === 'hit' ? 0 : chance(0.1) ? null : target.local ? int(100) / 1e6 : int(50_000) / 1e7;
    const referenceCostUsd = chance(0.15) ? null : int(80_000) / 1e7;
    const fallback = called && chance(0.2);
    const attempts: LedgerAttempt[] = [];
    if (fallback) attempts.push({ ref: 'ollama/llama3.2', outcome: 'error', code: 'upstream_timeout', reason: 'first token timeout', latencyMs: 1000 + int(500), retry: 0 });
    if (called) attempts.push({ ref: `${target.provider}/${target.model}`, outcome: outcome === 'error' ? 'error' : 'ok', ...(outcome === 'error' ? { status: 503 } : {}), latencyMs: int(3000), retry: int(2) });
    if (chance(0.05)) attempts.push({ ref: 'openai/gpt-4o', outcome: 'skipped', reason: 'circuit open', latencyMs: 0, retry: 0 });
    const withPayload = chance(payloadShare);
    const record: LedgerRecord = {
      id: `${prefix}-${n}`,
      ts: options.start + int(options.spanMs),
      keyId,
      team,
      dialect: chance(0.6) ? 'openai' : 'anthropic',
      endpoint: chance(0.9) ? 'chat' : 'embeddings',
      stream,
      requestedModel: chance(0.05) ? null : chance(0.5) ? 'auto' : `${target.provider ?? 'ollama'}/${target.model ?? 'x'}`,
      task: pick(TASKS),
      priority: chance(0.5) ? null : pick(['low', 'normal', 'high']),
      tier: pick(TIERS),
      rule: chance(0.1) ? null : pick(['default', 'cheap-first', 'code-cloud']),
      routeReason: chance(0.1) ? null : 'task matched',
      fallbackReason: fallback ? 'ollama/llama3.2: first token timeout' : null,
      attempts,
      provider: target.provider,
      model: target.model,
      local: target.local,
      cache,
      tokens: {
        inputUncached: int(4000),
        cacheRead: chance(0.3) ? int(2000) : 0,
        cacheWrite: chance(0.1) ? int(1000) : 0,
        outputText: int(1500),
        outputReasoning: chance(0.2) ? int(800) : 0,
        estimated: chance(0.1),
      },
      costUsd,
      referenceModel: referenceCostUsd === null ? null : 'anthropic/claude-sonnet-5',
      referenceCostUsd,
      savingsUsd: costUsd === null || referenceCostUsd === null ? null : referenceCostUsd - costUsd,
      ttftMs: stream && outcome !== 'error' && chance(0.9) ? spread(5, 100_000) : null,
      latencyMs: spread(1, 800_000),
      generationMs: target.local && chance(0.8) ? random() * 5000 : null,
      outcome,
      httpStatus: outcome === 'error' ? pick([400, 429, 502, 503]) : 200,
      errorCode: outcome === 'ok' ? null : pick(['upstream_error', 'upstream_timeout', 'client_aborted', 'budget_exceeded']),
      warnings: chance(0.1) ? ['temperature not supported by ollama/llama3.2', `price unknown for ${target.model ?? 'x'}`] : [],
    };
    records.push(withPayload ? { ...record, prompt: pick(PROMPTS), response: pick(RESPONSES) } : record);
  }
  return records;
}

const PROMPTS: readonly unknown[] = [
  { messages: [{ role: 'user', content: 'Summarise: "quotes", \\backslashes\\, {braces} and ünïcödé ✓' }] },
  [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
  'a plain string prompt',
  null,
];

const RESPONSES: readonly unknown[] = [{ text: 'ok', finish: { unified: 'stop', raw: 'end_turn' } }, 'done', 0, false];
