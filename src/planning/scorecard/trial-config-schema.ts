import { z } from 'zod';

/**
 * `planning.trial:` in tollgate.yaml: the trial the scorecard (`tollgate scorecard`,
 * `GET /api/scorecard`) judges, and its success criteria. Every field has a default, so a config
 * without it is valid; without `start` the scorecard looks at the last 30 days.
 *
 * ```yaml
 * planning:
 *   trial: { start: 2026-11-01, days: 14, savingsThresholdUsdPerMonth: 10 }
 * ```
 */

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO date (`2026-11-01`, UTC midnight) or date-time, as epoch ms. */
const instant = z
  .string({ error: 'expected an ISO date such as 2026-11-01' })
  .refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO date such as 2026-11-01 or a date-time');

export const trialConfigSchema = z
  .object({
    /** The trial's first day (UTC), or an exact ISO time. */
    start: instant.transform((value) => Date.parse(value)).optional(),
    /** Its last day, inclusive (a date) or an exact end, exclusive (a date-time). Give this or `days`, or neither: the trial runs until now. */
    end: instant.transform((value) => (DATE_ONLY.test(value) ? Date.parse(value) + DAY_MS : Date.parse(value))).optional(),
    /** Its length in days from `start`. */
    days: z.number().positive('expected a positive number of days').optional(),
    /** Savings over the window, scaled to a month, needed to call them measurable. USD; default 10 (trial scale). */
    savingsThresholdUsdPerMonth: z.number().nonnegative().default(10),
    /** Local uptime needed, 0–1; default 0.99. */
    uptimeGoal: z.number().min(0, 'expected a share from 0 to 1').max(1, 'expected a share from 0 to 1').default(0.99),
    /** Local quality needed, as a share of the cloud's, 0–1; default 0.8. */
    qualityGoal: z.number().min(0, 'expected a share from 0 to 1').max(1, 'expected a share from 0 to 1').default(0.8),
  })
  .strict()
  .refine((trial) => trial.end === undefined || trial.days === undefined, { message: 'expected either end or days, not both', path: ['days'] })
  .refine((trial) => trial.start !== undefined || (trial.end === undefined && trial.days === undefined), { message: 'expected a start with end or days', path: ['start'] })
  .refine((trial) => trial.start === undefined || trial.end === undefined || trial.end > trial.start, { message: 'expected an end after the start', path: ['end'] });

export type TrialConfig = z.infer<typeof trialConfigSchema>;
