import type { UsageQuery, UsageRow } from '../../ledger/ledger-store.js';
import { normalizeOllamaModelName } from '../../providers/ollama/ollama-host-state.js';
import type { MeasuredRate } from './fit-models.js';

type RateRow = Pick<UsageRow, 'group' | 'generationMsSum' | 'generationOutputTokens'>;

/** The one LedgerStore method this reads (a LedgerStore is one). */
export interface UsageSource {
  usage(query: UsageQuery): Promise<readonly RateRow[]>;
}

/**
 * Output tokens per second each local model achieved, from the ledger's rollups grouped by target
 * (`provider/model`): the sum of output tokens over the sum of upstream generation time (Ollama's
 * prompt_eval_duration + eval_duration), so long answers weigh more than short ones. Keyed by
 * normalised Ollama name; several providers serving one model are pooled.
 */
export async function readMeasuredRates(store: UsageSource, window: { readonly since: number; readonly until: number }): Promise<Map<string, MeasuredRate>> {
  const rows = await store.usage({ since: window.since, until: window.until, groupBy: ['target'], filter: { local: true } });
  return measuredRatesFromUsage(rows);
}

export function measuredRatesFromUsage(rows: readonly RateRow[]): Map<string, MeasuredRate> {
  const sums = new Map<string, { outputTokens: number; generationMs: number; targets: string[] }>();
  for (const row of rows) {
    const target = row.group.target;
    if (typeof target !== 'string' || row.generationMsSum <= 0 || row.generationOutputTokens <= 0) continue;
    const slash = target.indexOf('/');
    if (slash <= 0) continue;
    const key = normalizeOllamaModelName(target.slice(slash + 1));
    const sum = sums.get(key) ?? { outputTokens: 0, generationMs: 0, targets: [] };
    sum.outputTokens += row.generationOutputTokens;
    sum.generationMs += row.generationMsSum;
    sum.targets.push(target);
    sums.set(key, sum);
  }
  return new Map(
    [...sums].map(([key, sum]) => [key, { tokensPerSecond: sum.outputTokens / (sum.generationMs / 1000), outputTokens: sum.outputTokens, generationMs: sum.generationMs, targets: sum.targets }]),
  );
}
