import type { UsageDimension, UsageFilter, UsageQuery, UsageRow } from '../ledger-store.js';
import { DAILY, DAY_MS, dimensionFromColumn, HOUR_MS, HOURLY, hourOf, LATENCY_BUCKET_COLUMNS, ROLLUP_MEASURES, ROLLUP_SUMS, TTFT_BUCKET_COLUMNS, type RollupSum, type RollupTable } from './rollup.js';

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
  /** Whether the rows hold the histograms' columns (the query asked for them). */
  readonly histograms: boolean;
}

/** A stretch of a usage window, [from, to), and the rollup table that answers it. */
export interface WindowPart {
  readonly table: RollupTable;
  readonly from: number;
  readonly to: number;
}

/**
 * Each dimension as an expression over a rollup table. `hour` exists in rollups_hourly only; day
 * buckets are whole UTC days, so integer arithmetic finds them in hourly rows.
 */
const GROUP_EXPRESSIONS: Record<UsageDimension, (table: RollupTable, dialect: UsageSqlDialect) => string> = {
  hour: (table) => table.period,
  day: (table) => (table === DAILY ? 'day' : `hour - hour % ${DAY_MS}`),
  month: (table, dialect) => dialect.month(table.period),
  key: () => 'key_id',
  team: () => 'team',
  task: () => 'task',
  tier: () => 'tier',
  target: () => `CASE WHEN provider = '' THEN '' ELSE provider || '/' || model END`,
  provider: () => 'provider',
  local: () => 'local',
};

/**
 * Where a window of whole hours, [since, until), is read from: its whole UTC days from
 * rollups_daily, the hours before the first and after the last of them from rollups_hourly. A
 * window without a whole day, or a query that needs hours (`byHour`), reads rollups_hourly alone.
 * Always at least one part (an empty window is one empty hourly part).
 */
export function splitWindow(since: number, until: number, byHour: boolean): WindowPart[] {
  const firstDay = Math.ceil(since / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(until / DAY_MS) * DAY_MS;
  if (byHour || firstDay >= lastDay) return [{ table: HOURLY, from: since, to: until }];
  const parts: WindowPart[] = [];
  if (since < firstDay) parts.push({ table: HOURLY, from: since, to: firstDay });
  parts.push({ table: DAILY, from: firstDay, to: lastDay });
  if (lastDay < until) parts.push({ table: HOURLY, from: lastDay, to: until });
  return parts;
}

/**
 * The one SELECT behind `usage()`. It reads the rollup tables only, whatever the query, so its cost
 * follows the number of rollup rows in the window, never the number of records: daily rows for
 * the window's whole days, hourly rows for the rest (see splitWindow), added up per group in an
 * outer GROUP BY. With one part the subquery is flattened away by both databases.
 */
export function buildUsageSql(query: UsageQuery, dialect: UsageSqlDialect): UsageSql {
  const dimensions = [...new Set(query.groupBy)];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };

  const histograms = query.histograms === true;
  const measures = histograms ? ROLLUP_MEASURES : ROLLUP_SUMS;
  const since = hourOf(query.since);
  const until = Math.ceil(query.until / HOUR_MS) * HOUR_MS;
  const selects = splitWindow(since, until, dimensions.includes('hour')).map(({ table, from, to }) => {
    const where = [`${table.period} >= ${bind(from)}`, `${table.period} < ${bind(to)}`, ...filterConditions(query.filter ?? {}, bind, dialect)];
    const groups = dimensions.map((dimension, index) => `${GROUP_EXPRESSIONS[dimension](table, dialect)} AS g${index}`);
    return `SELECT ${[...groups, ...measures].join(', ')} FROM ${table.name} WHERE ${where.join(' AND ')}`;
  });

  const aliases = dimensions.map((_, index) => `g${index}`);
  const sums = measures.map((measure) => `sum(${measure}) AS ${measure}`);
  const sql = [
    `SELECT ${[...aliases, ...sums].join(', ')}`,
    `FROM (${selects.join(' UNION ALL ')}) AS parts`,
    // Without dimensions SQL still returns one (all-NULL) row for an empty window; no groups, no rows.
    aliases.length > 0 ? `GROUP BY ${aliases.join(', ')} ORDER BY ${aliases.join(', ')}` : 'HAVING count(*) > 0',
  ].join(' ');
  return { sql, params, dimensions, histograms };
}

function filterConditions(filter: UsageFilter, bind: (value: unknown) => string, dialect: UsageSqlDialect): string[] {
  const where: string[] = [];
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
  return where;
}

/**
 * A result row of `buildUsageSql` as the API's UsageRow, with the histograms when the query asked
 * for them. Postgres sums come back as strings: all go through Number.
 */
export function toUsageRow(row: Readonly<Record<string, unknown>>, dimensions: readonly UsageDimension[], histograms: boolean): UsageRow {
  const group: Record<string, string | boolean | null> = {};
  dimensions.forEach((dimension, index) => {
    group[dimension] = groupValue(dimension, row[`g${index}`]);
  });
  const sum = (measure: RollupSum): number => Number(row[measure] ?? 0);
  const counts = (columns: readonly string[]): number[] => columns.map((column) => Number(row[column] ?? 0));
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
    ...(histograms ? { latencyBuckets: counts(LATENCY_BUCKET_COLUMNS), ttftBuckets: counts(TTFT_BUCKET_COLUMNS) } : {}),
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
