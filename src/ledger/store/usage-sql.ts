import type { UsageDimension, UsageQuery, UsageRow } from '../ledger-store.js';
import { dimensionFromColumn, HOUR_MS, hourOf, ROLLUP_MEASURES, type RollupMeasure } from './rollup.js';

const DAY_MS = 86_400_000;

/** What differs between SQLite and Postgres in a usage query. */
export interface UsageSqlDialect {
  /** SQL for the UTC `YYYY-MM` of an epoch-ms integer expression. */
  readonly month: (epochMs: string) => string;
  /** The n-th (1-based) bind parameter. */
  readonly placeholder: (n: number) => string;
  /** A boolean as the driver binds it. */
  readonly bool: (value: boolean) => unknown;
}

export interface UsageSql {
  readonly sql: string;
  readonly params: unknown[];
  /** The group-by dimensions, without repeats: row column `g<i>` holds `dimensions[i]`. */
  readonly dimensions: readonly UsageDimension[];
}

/** Each dimension as an expression over `rollups_hourly`. Day buckets are whole UTC days, so integer arithmetic finds them. */
const GROUP_EXPRESSIONS: Record<UsageDimension, (dialect: UsageSqlDialect) => string> = {
  hour: () => 'hour',
  day: () => `hour - hour % ${DAY_MS}`,
  month: (dialect) => dialect.month('hour'),
  key: () => 'key_id',
  team: () => 'team',
  task: () => 'task',
  tier: () => 'tier',
  target: () => `CASE WHEN provider = '' THEN '' ELSE provider || '/' || model END`,
  provider: () => 'provider',
  local: () => 'local',
};

/**
 * The one SELECT behind `usage()`: it reads `rollups_hourly` only, whatever the query, so its cost
 * follows the number of hourly rows in the window, never the number of records.
 */
export function buildUsageSql(query: UsageQuery, dialect: UsageSqlDialect): UsageSql {
  const dimensions = [...new Set(query.groupBy)];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };

  const where = [`hour >= ${bind(hourOf(query.since))}`, `hour < ${bind(Math.ceil(query.until / HOUR_MS) * HOUR_MS)}`];
  const filter = query.filter ?? {};
  if (filter.keyId !== undefined) where.push(`key_id = ${bind(filter.keyId ?? '')}`);
  if (filter.team !== undefined) where.push(`team = ${bind(filter.team ?? '')}`);
  if (filter.task !== undefined) where.push(`task = ${bind(filter.task ?? '')}`);
  if (filter.tier !== undefined) where.push(`tier = ${bind(filter.tier ?? '')}`);
  if (filter.provider !== undefined) where.push(`provider = ${bind(filter.provider)}`);
  if (filter.target !== undefined) {
    // Split at the first slash: provider instance names have none, model names may (`meta-llama/…`).
    const slash = filter.target.indexOf('/');
    const provider = slash < 0 ? filter.target : filter.target.slice(0, slash);
    const model = slash < 0 ? '' : filter.target.slice(slash + 1);
    where.push(`provider = ${bind(provider)}`, `model = ${bind(model)}`);
  }
  if (filter.local !== undefined) where.push(`local = ${bind(dialect.bool(filter.local))}`);

  const groups = dimensions.map((dimension, index) => `${GROUP_EXPRESSIONS[dimension](dialect)} AS g${index}`);
  const sums = ROLLUP_MEASURES.map((measure) => `sum(${measure}) AS ${measure}`);
  const aliases = dimensions.map((_, index) => `g${index}`).join(', ');
  const sql = [
    `SELECT ${[...groups, ...sums].join(', ')}`,
    'FROM rollups_hourly',
    `WHERE ${where.join(' AND ')}`,
    // Without dimensions SQL still returns one (all-NULL) row for an empty window; no groups, no rows.
    dimensions.length > 0 ? `GROUP BY ${aliases} ORDER BY ${aliases}` : 'HAVING count(*) > 0',
  ].join(' ');
  return { sql, params, dimensions };
}

/** A result row of `buildUsageSql` as the API's UsageRow. Postgres sums come back as strings: all go through Number. */
export function toUsageRow(row: Readonly<Record<string, unknown>>, dimensions: readonly UsageDimension[]): UsageRow {
  const group: Record<string, string | boolean | null> = {};
  dimensions.forEach((dimension, index) => {
    group[dimension] = groupValue(dimension, row[`g${index}`]);
  });
  const sum = (measure: RollupMeasure): number => Number(row[measure] ?? 0);
  return {
    group,
    requests: sum('requests'),
    ok: sum('ok'),
    errors: sum('errors'),
    partial: sum('partial'),
    clientAborted: sum('client_aborted'),
    fallbacks: sum('fallbacks'),
    cacheHits: sum('cache_hits'),
    estimated: sum('estimated'),
    tokens: {
      inputUncached: sum('input_uncached'),
      cacheRead: sum('cache_read'),
      cacheWrite: sum('cache_write'),
      outputText: sum('output_text'),
      outputReasoning: sum('output_reasoning'),
    },
    costUsd: sum('cost_usd'),
    costUnknown: sum('cost_unknown'),
    referenceCostUsd: sum('reference_cost_usd'),
    referenceUnknown: sum('reference_unknown'),
    savingsUsd: sum('savings_usd'),
    latencyMsSum: sum('latency_ms_sum'),
    ttftMsSum: sum('ttft_ms_sum'),
    ttftCount: sum('ttft_count'),
    generationMsSum: sum('generation_ms_sum'),
    generationOutputTokens: sum('generation_output_tokens'),
  };
}

function groupValue(dimension: UsageDimension, value: unknown): string | boolean | null {
  switch (dimension) {
    case 'hour':
      return `${new Date(Number(value)).toISOString().slice(0, 13)}:00:00Z`;
    case 'day':
      return new Date(Number(value)).toISOString().slice(0, 10);
    case 'month':
      return String(value);
    case 'local':
      return value === true || value === 1;
    default:
      return dimensionFromColumn(String(value));
  }
}
