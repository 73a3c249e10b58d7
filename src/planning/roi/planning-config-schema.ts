import { z } from 'zod';

/**
 * `planning:` in tollgate.yaml: what the ROI planner (`tollgate plan`, `GET /api/plan`) assumes
 * beyond the ledger's traffic. Every field has a default, so a config without the section is valid.
 * Mounted by the config schema as `planning: planningConfigSchema.prefault({})`.
 *
 * The electricity price is not repeated here: `pricing.local.kwhUsd` is the default, and the
 * machine "no purchase" stands for is the one `pricing.local` describes (its gpuWatts, idleWatts).
 */

const watts = z.number({ error: 'expected watts' }).nonnegative('expected 0 or more watts');
const tokensPerSecond = z.number({ error: 'expected tokens per second' }).positive('expected more than 0 tokens per second');

/**
 * One hardware option, as config/hardware.yaml gives it or tollgate.yaml overrides it. In
 * `planning.hardware` every field is optional: an entry with a known id changes only the fields it
 * names; a new id must give them all (checked when the catalogue is merged, with the path).
 */
export const hardwareEntrySchema = z
  .object({
    /** What people call it in a table: `RTX 3090 (used)`. */
    name: z.string().min(1),
    /** Purchase price, USD; 0 for a machine you already own. */
    priceUsd: z.number().nonnegative('expected a price of 0 or more'),
    /** GPU memory, GB; null or absent when unknown. Shown, not used in the arithmetic (model fit is `tollgate models fit`). */
    vramGb: z.number().positive().nullable().optional(),
    /** GPU memory bandwidth, GB/s; absent when unknown. Bounds `tollgate models fit`'s tokens/s estimate. */
    memoryBandwidthGBps: z.number().positive().optional(),
    /** The whole box at the wall while generating. Absent: `pricing.local.gpuWatts`. */
    loadWatts: watts.optional(),
    /** The whole box at the wall while on and idle. Absent: `pricing.local.idleWatts`, else 0. */
    idleWatts: watts.optional(),
    /** Prompt tokens processed per second (prefill), one request at a time, 7–8B model at Q4. */
    promptTokensPerSecond: tokensPerSecond,
    /** Output tokens generated per second, one request at a time, 7–8B model at Q4. */
    outputTokensPerSecond: tokensPerSecond,
  })
  .strict();

export type HardwareEntry = z.infer<typeof hardwareEntrySchema>;

const hardwareId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected an id of letters, digits, - or _');

/** A positive multiple of today's traffic (1 = as measured). */
const growthFactor = z.number({ error: 'expected a growth factor' }).positive('expected a growth factor above 0');

export const planningConfigSchema = z
  .object({
    /**
     * Hardware options by id, merged over config/hardware.yaml (RTX 3090, RTX 4090, RTX 4060 Ti
     * 16 GB, and `existing`: no purchase). A known id changes only the fields given; a new id adds
     * an option and must give every field. Default: none (the shipped catalogue as is).
     */
    hardware: z.record(hardwareId, hardwareEntrySchema.partial()).default({}),
    /** Electricity, USD per kWh. Default: `pricing.local.kwhUsd`. */
    kwhUsd: z.number().nonnegative().optional(),
    /** Hours a day the box is switched on (it draws idle power whenever it is on). Default 24. */
    hoursPerDay: z.number().positive('expected more than 0 hours').max(24, 'expected at most 24 hours').default(24),
    /** Someone's time keeping the box, Ollama and the models up to date. */
    maintenance: z
      .object({
        /** Hours a month. Default 2. */
        hoursPerMonth: z.number().nonnegative().default(2),
        /** What an hour of that time costs, USD. Default 50. */
        hourlyUsd: z.number().nonnegative().default(50),
      })
      .strict()
      .prefault({}),
    /**
     * The share of the work (by reference cost) that runs locally, 0–1. Default: none, so the plan
     * uses the share the ledger measured (a what-if file must then give one).
     */
    localShare: z.number().min(0, 'expected a share from 0 to 1').max(1, 'expected a share from 0 to 1').optional(),
    /** Traffic multiples to plan for. Default [1, 10]: today's volume and ten times it. */
    growth: z.array(growthFactor).min(1, 'expected at least one growth factor').default([1, 10]),
  })
  .strict();

export type PlanningConfig = z.infer<typeof planningConfigSchema>;
export type PlanningConfigInput = z.input<typeof planningConfigSchema>;
