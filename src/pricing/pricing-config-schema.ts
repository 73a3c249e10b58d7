import { z } from 'zod';

/**
 * `pricing:` in tollgate.yaml: list prices that override or extend the built-in catalogue, the
 * reference cloud model that savings are measured against, and what local hardware costs to run.
 * Mounted by the config schema as `pricing: pricingConfigSchema.prefault({})`.
 */

/** A list price in USD per million tokens. */
const usdPerMillion = z.number({ error: 'expected a price in USD per million tokens' }).nonnegative('expected a price of 0 or more');

/** `provider/model`, e.g. `anthropic/claude-haiku-5-5`; the provider part names a configured provider. */
const targetRef = z.string().regex(/^[a-z0-9][a-z0-9_-]*\/.+$/i, 'expected a target of the form provider/model');

const rateFields = {
  /** Uncached prompt tokens. */
  input: usdPerMillion,
  /** Generated tokens (text and tool calls; reasoning too unless `reasoning` is set). */
  output: usdPerMillion,
  /** Prompt tokens read from the provider's cache. Default: the input price (what an API without a cache price charges). */
  cacheRead: usdPerMillion.optional(),
  /** Prompt tokens written to the provider's cache (Anthropic's 5-minute TTL price). Default: the input price. */
  cacheWrite: usdPerMillion.optional(),
  /** Generated reasoning tokens, for the rare API that prices them apart. Default: the output price. */
  reasoning: usdPerMillion.optional(),
};

/**
 * Prices for a whole request whose prompt (uncached + cache read + cache write tokens) is above
 * `aboveInputTokens`: every counter of that request is billed at these rates, not only the excess.
 */
const priceTierSchema = z
  .object({
    /** The tier applies when the prompt has MORE than this many tokens (Claude Haiku 5.5: 100000). */
    aboveInputTokens: z.number().int().positive(),
    ...rateFields,
  })
  .strict();

/** A price change from a date on: the fields given replace the ones in force before; the rest carry over. */
const priceChangeSchema = z
  .object({
    /** First day (UTC, `YYYY-MM-DD`; quote it in YAML) the new prices apply. */
    from: z.iso.date({ error: 'expected a date as YYYY-MM-DD' }),
    input: usdPerMillion.optional(),
    output: usdPerMillion.optional(),
    cacheRead: usdPerMillion.optional(),
    cacheWrite: usdPerMillion.optional(),
    reasoning: usdPerMillion.optional(),
    /** Replaces the tiers in force before (give `[]` to drop them). */
    tiers: z.array(priceTierSchema).optional(),
  })
  .strict();

/** One model's list prices, USD per million tokens. */
export const modelPriceSchema = z
  .object({
    ...rateFields,
    /** Whole-request prices by prompt size, in increasing `aboveInputTokens`. Default: none. */
    tiers: z.array(priceTierSchema).default([]),
    /** Later price changes, in increasing `from` dates. Default: none (these prices always applied). */
    changes: z.array(priceChangeSchema).default([]),
  })
  .strict()
  .superRefine((price, ctx) => {
    const periods = pricePeriodsOf(price);
    periods.forEach((period, i) => {
      if (i === 0) checkTiers(period, undefined, ['tiers'], ctx);
      else if (period.tiersFromChange) checkTiers(period, undefined, ['changes', i - 1, 'tiers'], ctx);
      else checkTiers(period, periods[i - 1], ['changes', i - 1, 'tiers'], ctx);
    });
    price.changes.forEach((change, i) => {
      const previous = price.changes[i - 1];
      if (previous !== undefined && change.from <= previous.from) {
        ctx.addIssue({ code: 'custom', message: `expected a date after ${previous.from} (changes in date order)`, path: ['changes', i, 'from'] });
      }
    });
  });

const APART = ['cacheRead', 'cacheWrite', 'reasoning'] as const;

/**
 * Tiers in increasing order, each pricing every counter its period prices apart: a tier without
 * a cache price would quietly bill a long prompt's cache reads at the input price. Tiers a change
 * inherits (`inheritedFrom` is the period before it) were checked where they were given; only a
 * counter the change starts pricing apart can make them incomplete.
 */
function checkTiers(period: PricePeriodConfig, inheritedFrom: PricePeriodConfig | undefined, path: readonly (string | number)[], ctx: z.RefinementCtx): void {
  if (inheritedFrom !== undefined) {
    for (const key of APART) {
      if (period[key] === undefined || inheritedFrom[key] !== undefined || period.tiers.every((tier) => tier[key] !== undefined)) continue;
      ctx.addIssue({ code: 'custom', message: `expected tiers with a ${key} price: this change sets one and the tiers in force have none`, path: [...path] });
    }
    return;
  }
  let previous = 0;
  period.tiers.forEach((tier, i) => {
    if (tier.aboveInputTokens <= previous) {
      ctx.addIssue({ code: 'custom', message: `expected aboveInputTokens above ${previous} (tiers in increasing order)`, path: [...path, i, 'aboveInputTokens'] });
    }
    previous = tier.aboveInputTokens;
    for (const key of APART) {
      if (period[key] !== undefined && tier[key] === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a ${key} price: the base price has one`, path: [...path, i, key] });
      }
    }
  });
}

/** The prices in force over one stretch of time, after merging the changes before it. */
export interface PricePeriodConfig {
  /** First day (UTC) these prices apply; null for the first period. */
  readonly from: string | null;
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number | undefined;
  readonly cacheWrite?: number | undefined;
  readonly reasoning?: number | undefined;
  readonly tiers: readonly PriceTierConfig[];
  /** True when this period's tiers were given by its change (for error paths). */
  readonly tiersFromChange: boolean;
}

/** A model's prices as consecutive periods: the base prices, then one period per change. */
export function pricePeriodsOf(price: Pick<ModelPriceConfig, keyof typeof rateFields | 'tiers' | 'changes'>): PricePeriodConfig[] {
  const { changes, tiers, ...rates } = price;
  const periods: PricePeriodConfig[] = [{ from: null, ...rates, tiers, tiersFromChange: false }];
  for (const { from, tiers: changedTiers, ...changed } of changes) {
    const before = periods[periods.length - 1] as PricePeriodConfig;
    const defined = Object.fromEntries(Object.entries(changed).filter(([, value]) => value !== undefined));
    periods.push({ ...before, ...defined, from, tiers: changedTiers ?? before.tiers, tiersFromChange: changedTiers !== undefined });
  }
  return periods;
}

export const pricingConfigSchema = z
  .object({
    /**
     * Prices by `provider/model` (this provider instance only) or bare model id (any provider
     * serving that id), USD per million tokens. They win over config/prices.yaml, which wins over
     * @pydantic/genai-prices. A trailing snapshot date (`-20261015`, `-2026-10-15`) on the
     * requested model is ignored when nothing matches it exactly. Default: none.
     */
    models: z.record(z.string().min(1, 'expected a model id or provider/model'), modelPriceSchema).default({}),
    /** The cloud model whose price for the same tokens defines each request's savings. */
    reference: z
      .object({
        /** For every task without its own entry. Default: none, so the caller's fallback (the plan's first cloud target) applies. */
        default: targetRef.optional(),
        /** Per task (the request's `task` metadata), e.g. `kb-analysis: anthropic/claude-haiku-5-5`. Default: none. */
        tasks: z.record(z.string().min(1), targetRef).default({}),
      })
      .strict()
      .prefault({}),
    /** Local hardware (Ollama, OpenAI-compatible servers on our own machines): it costs energy, not tokens. */
    local: z
      .object({
        /**
         * Watts the GPU box draws while generating. Default 350: the board power of one 24 GB card
         * (RTX 3090: 350 W; an RTX 4090, rated 450 W, draws about this in memory-bound token
         * generation). Erring high keeps local savings honest; put your measured draw here
         * (`nvidia-smi --query-gpu=power.draw --format=csv`, or a wall meter).
         */
        gpuWatts: z.number().nonnegative().default(350),
        /** Watts drawn while idle, for the monthly fixed cost in reports (never charged per request). Default: none (0). */
        idleWatts: z.number().nonnegative().optional(),
        /** Electricity price, USD per kWh. Default 0.15: a round figure for US retail electricity; much of Europe pays about twice that. */
        kwhUsd: z.number().nonnegative().default(0.15),
        /** What the hardware cost, spread over its useful life: a monthly figure for reports, never charged per request. Default: none. */
        hardware: z
          .object({
            /** Purchase price, USD. */
            priceUsd: z.number().nonnegative(),
            /** Months to spread it over (e.g. 36). */
            months: z.number().int().positive(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((local) => local.idleWatts === undefined || local.idleWatts <= local.gpuWatts, {
        message: 'expected idleWatts not above gpuWatts',
        path: ['idleWatts'],
      })
      .prefault({}),
  })
  .strict();

export type PricingConfig = z.infer<typeof pricingConfigSchema>;
export type PricingConfigInput = z.input<typeof pricingConfigSchema>;
export type ModelPriceConfig = z.infer<typeof modelPriceSchema>;
export type PriceTierConfig = z.infer<typeof priceTierSchema>;
export type LocalCostConfig = PricingConfig['local'];
