import { z } from 'zod';

/**
 * The `routing:` section of `tollgate.yaml`. Shape and single-field rules live here; references
 * to other sections (aliases, providers) are checked by `checkRoutingReferences`, because this
 * schema cannot see them. The lead mounts it as `routing: routingConfigSchema.prefault({})`.
 */

/** The request metadata a rule can match on, in the order reasons list them. */
export const MATCH_KEYS = ['task', 'priority', 'tier', 'key', 'team', 'model'] as const;
export type MatchKey = (typeof MATCH_KEYS)[number];

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export const AGENT_TIERS = ['L1', 'L2', 'L3'] as const;
export const ROUTING_MODES = ['auto', 'cloud-only', 'local-only'] as const;

/** An alias from `models:` or `provider/model`; resolved against the config by checkRoutingReferences. */
const targetName = z.string().min(1, 'expected an alias or provider/model');

/** One string (exact; `*` matches any run of characters) or a list of them (any of). */
const matchValue = z.union([z.string().min(1), z.array(z.string().min(1)).min(1, 'expected at least one value')], {
  error: 'expected a string or a list of strings',
});

const matchSchema = z
  .object({
    task: matchValue.optional(),
    priority: matchValue.optional(),
    tier: matchValue.optional(),
    /** The caller's virtual key id (set by auth, never by the client). */
    key: matchValue.optional(),
    team: matchValue.optional(),
    /** The `model` field as the client sent it: an alias, `auto`, or anything (e.g. `gpt-4*` to catch OpenAI names). */
    model: matchValue.optional(),
  })
  .strict()
  .superRefine((match, ctx) => {
    // Priority and tier have closed value sets: a typo (`hi`, `l2`) would make a rule silently never match.
    checkClosedValues(match.priority, PRIORITIES, 'priority', ctx);
    checkClosedValues(match.tier, AGENT_TIERS, 'tier', ctx);
  });

function checkClosedValues(value: string | string[] | undefined, allowed: readonly string[], key: MatchKey, ctx: z.RefinementCtx): void {
  if (value === undefined) return;
  const values = typeof value === 'string' ? [value] : value;
  values.forEach((item, index) => {
    if (item.includes('*') || allowed.includes(item)) return;
    ctx.addIssue({
      code: 'custom',
      message: `expected one of ${allowed.join(', ')} (or a * pattern), got '${item}'`,
      path: typeof value === 'string' ? [key] : [key, index],
    });
  });
}

const ms = z.number().int().nonnegative();

/** Every timeout, with its default. Rules override any subset (merged over these). */
const timeoutFields = {
  /** One attempt; for streams, until the upstream answered 200. */
  attemptMs: ms.default(60_000),
  /** Streams: until the first content part. Covers loading a local model into VRAM. */
  firstTokenMs: ms.default(30_000),
  /** The whole request, all retries and fallbacks included. */
  totalMs: ms.default(120_000),
  /** How long to wait for a slot on a busy local host before overflowing to the next target. */
  queueWaitMs: ms.default(250),
};

const retryCount = z.number().int().min(0).max(10);

const retryFields = {
  /** Retries on the same target before moving on (0 = straight to the next target). */
  maxRetries: retryCount.default(1),
  /** First backoff; doubles per retry, full jitter. */
  baseDelayMs: ms.default(100),
  maxDelayMs: ms.default(2_000),
  /** A longer upstream retry-after moves on to the next target instead of waiting. */
  maxRetryAfterMs: ms.default(5_000),
};

const timeoutsSchema = z.object(timeoutFields).strict();
const retrySchema = z.object(retryFields).strict();

/** Per-rule overrides: any subset, no defaults of their own (the section's defaults fill the rest). */
const timeoutsOverrideSchema = z.object({
  attemptMs: ms.optional(),
  firstTokenMs: ms.optional(),
  totalMs: ms.optional(),
  queueWaitMs: ms.optional(),
}).strict();
const retryOverrideSchema = z.object({
  maxRetries: retryCount.optional(),
  baseDelayMs: ms.optional(),
  maxDelayMs: ms.optional(),
  maxRetryAfterMs: ms.optional(),
}).strict();

const ruleSchema = z.object({
  /** Shown in plans (`rules.<name>`), response headers and the ledger; unique. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_.:-]*$/i, 'expected a name of letters, digits, _ . : or -'),
  description: z.string().optional(),
  /** All given keys must match. Absent: the rule matches every request (a catch-all). */
  match: matchSchema.optional(),
  /** In order: primary first. When all are local, `cloudFallback` is appended at plan time. */
  targets: z.array(targetName).min(1, 'expected at least one target'),
  timeouts: timeoutsOverrideSchema.optional(),
  retry: retryOverrideSchema.optional(),
  /** Exact-match response cache for this rule. Off unless given. */
  cache: z.object({ ttlSeconds: z.number().int().positive() }).strict().optional(),
}).strict();

/**
 * `model: auto` when no rule matched: a complexity estimate picks a tier. In order:
 *   images                                   → cloud  (the default local models read text only)
 *   estimatedInputTokens ≥ cloudPromptTokens → cloud  (beyond a typical local context window)
 *   tools                                    → large  (small local models call tools unreliably)
 *   estimatedInputTokens ≥ largePromptTokens → large
 *   task in largeTasks                       → large
 *   otherwise                                → small
 * A tier with no target falls through small → large → cloud (cloud → large).
 */
const autoSchema = z.object({
  /** Default: the alias `summary`, when configured. */
  smallModel: targetName.optional(),
  /** Default: the alias `reasoning`, when configured. */
  largeModel: targetName.optional(),
  /** Default: the `cloudFallback` list. */
  cloudModel: targetName.optional(),
  largePromptTokens: z.number().int().positive().default(2_000),
  cloudPromptTokens: z.number().int().positive().default(32_000),
  largeTasks: z.array(z.string().min(1)).default(['reasoning']),
}).strict().superRefine((auto, ctx) => {
  if (auto.largePromptTokens >= auto.cloudPromptTokens) {
    ctx.addIssue({ code: 'custom', message: `must be below cloudPromptTokens (${auto.cloudPromptTokens})`, path: ['largePromptTokens'] });
  }
});

export const routingConfigSchema = z.object({
  /** The kill switch's value at start: `auto` routes by policy; `cloud-only` / `local-only` force one side. */
  mode: z.enum(ROUTING_MODES, { error: 'expected auto, cloud-only or local-only' }).default('auto'),
  defaults: z.object({
    timeouts: timeoutsSchema.prefault({}),
    retry: retrySchema.prefault({}),
  }).strict().prefault({}),
  /**
   * Cloud targets appended to every plan whose targets are all local, and used alone by
   * `cloud-only` when a rule names only local targets. Absent: `claude-haiku-5-5` on the first
   * anthropic provider, then `gpt-4o-mini` on the first openai provider, whichever are configured.
   * `[]` turns the fallback off.
   */
  cloudFallback: z.array(targetName).optional(),
  /**
   * First match wins. Absent: the default policy (DEFAULT_ROUTING_RULES). `[]`: no rules, only
   * aliases, explicit targets and the `auto` estimate.
   */
  rules: z.array(ruleSchema).optional().superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules?.forEach((rule, index) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', message: `duplicate rule name '${rule.name}'`, path: [index, 'name'] });
      seen.add(rule.name);
    });
  }),
  /** Provider names that run on our own hardware. Absent: every provider of type ollama or openai-compatible. */
  local: z.array(z.string().min(1)).optional(),
  auto: autoSchema.prefault({}),
}).strict();

export type RoutingConfig = z.infer<typeof routingConfigSchema>;
export type RoutingConfigInput = z.input<typeof routingConfigSchema>;
export type RoutingRuleConfig = z.infer<typeof ruleSchema>;
export type RoutingRuleInput = z.input<typeof ruleSchema>;
export type RuleMatch = NonNullable<RoutingRuleConfig['match']>;
