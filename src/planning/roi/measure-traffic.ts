import type { LedgerStore } from '../../ledger/ledger-store.js';
import { usageReport } from '../../ledger/reports.js';
import { DAYS_PER_MONTH, type TaskTraffic } from './plan-roi.js';

const HOUR = 3_600_000;

/** What the ledger measured over a window, scaled to a month. */
export interface MeasuredTraffic {
  /** By task, a month at the window's pace. */
  readonly tasks: readonly TaskTraffic[];
  /** The window as the rollups answer it: `since` rounded down and `until` rounded up to the hour. */
  readonly since: string;
  readonly until: string;
  readonly windowHours: number;
  /** Month ÷ window: (365 ÷ 12 × 24 h) ÷ windowHours. Every monthly figure is the window's × this. */
  readonly monthScale: number;
  /** UTC days in the window with at least one request. */
  readonly activeDays: number;
  /** Reference cost served locally ÷ all reference cost in the window; null with no reference cost at all. */
  readonly localShare: number | null;
  /** Requests whose reference cost is unknown (no price): in the token counts, not in the cost. */
  readonly referenceUnknown: number;
  /** Output tokens per second of generation on local targets, when they reported timings. */
  readonly localOutputTokensPerSecond: number | null;
  readonly warnings: readonly string[];
}

/**
 * Tokens and reference cost by task over [since, until), from the ledger's rollups (never its
 * records), scaled to a month. `referenceFor` names each task's reference model for display
 * (pricing.reference); the cost is the reference cost the records carry.
 */
export async function measureTraffic(
  store: LedgerStore,
  options: { since: number; until: number; referenceFor: (task: string | null) => string | null },
): Promise<MeasuredTraffic> {
  const since = Math.floor(options.since / HOUR) * HOUR;
  const until = Math.max(since + HOUR, Math.ceil(options.until / HOUR) * HOUR);
  const windowHours = (until - since) / HOUR;
  const monthScale = (DAYS_PER_MONTH * 24) / windowHours;

  const [byTask, byDay] = await Promise.all([usageReport(store, { since, until, by: ['task', 'local'] }), usageReport(store, { since, until, by: ['day'] })]);

  const tasks = new Map<string | null, { requests: number; input: number; output: number; reference: number; localReference: number }>();
  let localGenerationMs = 0;
  let localGenerationTokens = 0;
  for (const row of byTask.rows) {
    const task = (row.group.task ?? null) as string | null;
    const entry = tasks.get(task) ?? { requests: 0, input: 0, output: 0, reference: 0, localReference: 0 };
    entry.requests += row.requests;
    entry.input += row.inputTokens;
    entry.output += row.outputTokens;
    entry.reference += row.referenceCostUsd;
    if (row.group.local === true) {
      entry.localReference += row.referenceCostUsd;
      localGenerationMs += row.generationMsSum;
      localGenerationTokens += row.generationOutputTokens;
    }
    tasks.set(task, entry);
  }

  const totals = byTask.totals;
  const localReference = [...tasks.values()].reduce((total, entry) => total + entry.localReference, 0);
  const activeDays = byDay.rows.filter((row) => row.requests > 0).length;
  const windowDays = windowHours / 24;
  const warnings: string[] = [];
  if (totals.referenceUnknown > 0) {
    warnings.push(`${totals.referenceUnknown} request(s) in the window have no reference cost (price unknown): their tokens count, their cost does not. Add the model under pricing.models.`);
  }
  if (totals.requests > 0 && windowDays >= 2 && activeDays < windowDays / 2) {
    warnings.push(`Traffic on ${activeDays} of the window's ${Math.round(windowDays)} days: the monthly figures count the quiet days as real. Narrow --since if the ledger started recently.`);
  }
  if (totals.requests > 0 && windowHours < 7 * 24) {
    warnings.push(`Scaled to a month from ${Math.round(windowHours)} h of traffic (×${monthScale.toFixed(1)}): a short window makes a noisy month.`);
  }

  return {
    tasks: [...tasks.entries()].map(([task, entry]) => ({
      task,
      referenceModel: options.referenceFor(task),
      requests: entry.requests * monthScale,
      inputTokens: entry.input * monthScale,
      outputTokens: entry.output * monthScale,
      referenceCostUsd: entry.reference * monthScale,
      localShare: entry.reference > 0 ? entry.localReference / entry.reference : null,
    })),
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    windowHours,
    monthScale,
    activeDays,
    localShare: totals.referenceCostUsd > 0 ? localReference / totals.referenceCostUsd : null,
    referenceUnknown: totals.referenceUnknown,
    localOutputTokensPerSecond: localGenerationMs > 0 ? localGenerationTokens / (localGenerationMs / 1000) : null,
    warnings,
  };
}
