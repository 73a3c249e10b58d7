import { z } from 'zod';
import type { BudgetSpec, RateLimitSpec } from '../ledger/ledger-store.js';

/**
 * The `budgets:` and `rateLimits:` sections of `tollgate.yaml`. A key's own budget and limits are
 * stored with the key (`tollgate keys create --budget …`); these sections hold what applies beyond
 * one key. The lead mounts them as `budgets: budgetsConfigSchema.prefault({})` and
 * `rateLimits: rateLimitsConfigSchema.prefault({})`.
 */

const usd = z.number({ error: 'expected an amount in US dollars' }).nonnegative('expected an amount of 0 or more');

/** Spend limits in USD per UTC day and/or UTC month (the `BudgetSpec` stored with keys). */
export const budgetSpecSchema = z
  .object({
    /** Most that may be spent per UTC day. Absent: no daily limit. */
    dailyUsd: usd.optional(),
    /** Most that may be spent per UTC month. Absent: no monthly limit. */
    monthlyUsd: usd.optional(),
    /** hard (default): refuse with `budget_exceeded` once spent; soft: warn only (response header and log). */
    mode: z.enum(['hard', 'soft'], { error: 'expected hard or soft' }).default('hard'),
  })
  .strict()
  .refine((spec) => spec.dailyUsd !== undefined || spec.monthlyUsd !== undefined, {
    message: 'expected dailyUsd, monthlyUsd or both',
  });

/** Requests and tokens per minute (the `RateLimitSpec` stored with keys). */
export const rateLimitSpecSchema = z
  .object({
    /** Requests started per minute. Absent: unlimited. */
    requestsPerMinute: z.number().int().positive().optional(),
    /** Input + output tokens used per minute; a request is refused while the minute's tokens are spent. Absent: unlimited. */
    tokensPerMinute: z.number().int().positive().optional(),
  })
  .strict()
  .refine((spec) => spec.requestsPerMinute !== undefined || spec.tokensPerMinute !== undefined, {
    message: 'expected requestsPerMinute, tokensPerMinute or both',
  });

const teamName = z.string().min(1, 'expected a team name');

/** `budgets:` — spend limits beyond one key's own. */
export const budgetsConfigSchema = z
  .object({
    /** For the whole gateway, all callers together. Absent: none. */
    global: budgetSpecSchema.optional(),
    /** Per team (the `team` a key was created with). Default: none. */
    teams: z.record(teamName, budgetSpecSchema).default({}),
    /**
     * Whether local calls (whose cost is energy) consume budgets. Default false: budgets are for
     * cloud spend, and a request answered on our own hardware never brings a team closer to its limit.
     */
    countLocal: z.boolean().default(false),
    /**
     * What a hard budget that is spent does to a request whose plan has local targets. `local`
     * (default): keep only the local targets, so work continues at energy cost; `reject`: refuse
     * with `budget_exceeded`. A plan without local targets is refused either way. Ignored (always
     * reject) with `countLocal: true`, since local calls would then spend the exhausted budget too.
     */
    onCloudExhausted: z.enum(['reject', 'local'], { error: 'expected reject or local' }).default('local'),
  })
  .strict();

/** `rateLimits:` — requests and tokens per minute. */
export const rateLimitsConfigSchema = z
  .object({
    /**
     * For keys created without limits of their own, field by field (a key that sets only
     * requestsPerMinute still gets the default tokensPerMinute), and for key-less loopback callers.
     * Absent: unlimited.
     */
    default: rateLimitSpecSchema.optional(),
    /**
     * Share the counters between gateway processes through Redis. Absent: counters in this
     * process's memory (one process, or a per-process limit).
     */
    redis: z
      .object({
        /** `redis://[:password@]host:6379[/db]` or `rediss://` for TLS. */
        url: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }),
        /** Prefix of every key the limiter writes, so one Redis can serve several gateways. */
        prefix: z.string().default('tollgate:rl:'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type BudgetsConfig = z.infer<typeof budgetsConfigSchema>;
export type BudgetsConfigInput = z.input<typeof budgetsConfigSchema>;
export type RateLimitsConfig = z.infer<typeof rateLimitsConfigSchema>;
export type RateLimitsConfigInput = z.input<typeof rateLimitsConfigSchema>;

// Compile-time checks: the schemas produce exactly what the store keeps with a key.
type Assert<T extends true> = T;
type _BudgetSpecMatches = Assert<z.infer<typeof budgetSpecSchema> extends BudgetSpec ? (BudgetSpec extends z.infer<typeof budgetSpecSchema> ? true : false) : false>;
type _RateLimitSpecMatches = Assert<
  z.infer<typeof rateLimitSpecSchema> extends RateLimitSpec ? (RateLimitSpec extends z.infer<typeof rateLimitSpecSchema> ? true : false) : false
>;
