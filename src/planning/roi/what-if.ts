import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { LedgerTokens } from '../../ledger/ledger-record.js';
import type { PriceBook } from '../../pricing/create-price-book.js';
import type { TaskTraffic } from './plan-roi.js';

/**
 * A what-if file: a month of traffic for a team that has none in the ledger yet (YAML or JSON).
 *
 * ```yaml
 * localShare: 0.75                 # optional; --local-share wins over it
 * tasks:
 *   kb-analysis:
 *     requests: 24000              # a month
 *     inputTokens: 72000000        # prompt tokens, a month
 *     outputTokens: 12000000
 *     reference: anthropic/claude-sonnet-5-5   # optional: default pricing.reference
 *   summary:
 *     requests: 12000
 *     inputTokens: 24000000
 *     outputTokens: 1800000
 *     referenceCostUsd: 3.30       # instead of a reference model: a figure you already have
 * ```
 *
 * A task's reference cost is its requests × the reference model's list price for the average
 * request (inputTokens ÷ requests in, outputTokens ÷ requests out), through the same price book
 * as the ledger, so prompt-size tiers apply as they would to real calls.
 */

const count = (what: string) => z.number({ error: `expected a number of ${what} a month` }).nonnegative(`expected 0 or more ${what}`);

const whatIfTaskSchema = z
  .object({
    requests: count('requests'),
    inputTokens: count('prompt tokens'),
    outputTokens: count('output tokens'),
    /** `provider/model`; default `pricing.reference.tasks[task]`, then `pricing.reference.default`. */
    reference: z.string().regex(/^[a-z0-9][a-z0-9_-]*\/.+$/i, 'expected a reference model of the form provider/model').optional(),
    /** The month's reference cost in USD, when you know it; instead of pricing `reference`. */
    referenceCostUsd: z.number({ error: 'expected USD' }).nonnegative('expected 0 or more USD').optional(),
  })
  .strict()
  .refine((task) => task.reference === undefined || task.referenceCostUsd === undefined, { message: 'give reference or referenceCostUsd, not both', path: ['referenceCostUsd'] })
  .refine((task) => task.requests > 0 || (task.inputTokens === 0 && task.outputTokens === 0), { message: 'expected at least 1 request a month when there are tokens', path: ['requests'] });

export const whatIfSchema = z
  .object({
    /** The share of the work (by reference cost) that runs locally, 0–1. */
    localShare: z.number({ error: 'expected a share from 0 to 1' }).min(0, 'expected a share from 0 to 1').max(1, 'expected a share from 0 to 1').optional(),
    tasks: z.record(z.string().min(1, 'expected a task name'), whatIfTaskSchema, { error: 'expected tasks: a map of task name to requests, inputTokens, outputTokens' }),
  })
  .strict();

export type WhatIfFile = z.infer<typeof whatIfSchema>;

/** A what-if file that cannot be read, parsed or priced; `issues` name the path in the file. */
export class WhatIfError extends Error {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`Invalid what-if file (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'WhatIfError';
    this.issues = issues;
  }
}

export interface WhatIfTraffic {
  readonly source: string;
  readonly tasks: readonly TaskTraffic[];
  readonly localShare: number | undefined;
}

export async function loadWhatIf(path: string, priceBook: PriceBook, at: Date): Promise<WhatIfTraffic> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WhatIfError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return parseWhatIf(text, path, priceBook, at);
}

/** Parses (YAML, of which JSON is a subset), validates and prices a what-if file. */
export function parseWhatIf(text: string, source: string, priceBook: PriceBook, at: Date): WhatIfTraffic {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new WhatIfError(source, [`not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = whatIfSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new WhatIfError(source, parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`));
  }
  const issues: string[] = [];
  const tasks: TaskTraffic[] = [];
  for (const [task, entry] of Object.entries(parsed.data.tasks)) {
    const referenceModel = entry.reference ?? priceBook.referenceFor(task, undefined);
    let referenceCostUsd = entry.referenceCostUsd;
    if (referenceCostUsd === undefined) {
      if (referenceModel === null) {
        issues.push(`tasks.${task}: name a reference model (reference: provider/model) or give referenceCostUsd; pricing.reference has none for this task`);
        continue;
      }
      referenceCostUsd = 0;
      if (entry.requests > 0) {
        const tokens: LedgerTokens = {
          inputUncached: entry.inputTokens / entry.requests,
          cacheRead: 0,
          cacheWrite: 0,
          outputText: entry.outputTokens / entry.requests,
          outputReasoning: 0,
          estimated: false,
        };
        const price = priceBook.referenceCost(referenceModel, tokens, at);
        if (price.usd === null) {
          issues.push(`tasks.${task}.reference: ${price.warning}`);
          continue;
        }
        referenceCostUsd = price.usd * entry.requests;
      }
    }
    tasks.push({ task, referenceModel: entry.referenceCostUsd !== undefined ? null : referenceModel, requests: entry.requests, inputTokens: entry.inputTokens, outputTokens: entry.outputTokens, referenceCostUsd });
  }
  if (issues.length > 0) throw new WhatIfError(source, issues);
  return { source, tasks, localShare: parsed.data.localShare };
}
