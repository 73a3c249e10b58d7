import type { LedgerAttempt, LedgerOutcome, LedgerRecord } from '../ledger-record.js';
import type { RecordQuery } from '../ledger-store.js';

/**
 * The `records` table's columns, in insert order: one per scalar field a report may filter on,
 * JSON text for the rest. Both databases use the same names.
 */
export const RECORD_COLUMNS = [
  'id',
  'ts',
  'key_id',
  'team',
  'dialect',
  'endpoint',
  'stream',
  'requested_model',
  'task',
  'priority',
  'tier',
  'rule',
  'route_reason',
  'fallback_reason',
  'provider',
  'model',
  'local',
  'cache',
  'input_uncached',
  'cache_read',
  'cache_write',
  'output_text',
  'output_reasoning',
  'tokens_estimated',
  'cost_usd',
  'reference_model',
  'reference_cost_usd',
  'savings_usd',
  'ttft_ms',
  'latency_ms',
  'generation_ms',
  'outcome',
  'http_status',
  'error_code',
  'attempts',
  'warnings',
  'prompt',
  'response',
] as const;

/** A `records` row as a driver returns it. Booleans are 0/1 in SQLite, booleans in Postgres. */
export interface LedgerRecordRow {
  readonly id: string;
  readonly ts: number;
  readonly key_id: string | null;
  readonly team: string | null;
  readonly dialect: LedgerRecord['dialect'];
  readonly endpoint: LedgerRecord['endpoint'];
  readonly stream: number | boolean;
  readonly requested_model: string | null;
  readonly task: string | null;
  readonly priority: string | null;
  readonly tier: string | null;
  readonly rule: string | null;
  readonly route_reason: string | null;
  readonly fallback_reason: string | null;
  readonly provider: string | null;
  readonly model: string | null;
  readonly local: number | boolean;
  readonly cache: LedgerRecord['cache'];
  readonly input_uncached: number;
  readonly cache_read: number;
  readonly cache_write: number;
  readonly output_text: number;
  readonly output_reasoning: number;
  readonly tokens_estimated: number | boolean;
  readonly cost_usd: number | null;
  readonly reference_model: string | null;
  readonly reference_cost_usd: number | null;
  readonly savings_usd: number | null;
  readonly ttft_ms: number | null;
  readonly latency_ms: number;
  readonly generation_ms: number | null;
  readonly outcome: LedgerOutcome;
  readonly http_status: number;
  readonly error_code: string | null;
  /** JSON. */
  readonly attempts: string;
  /** JSON. */
  readonly warnings: string;
  /** JSON, or NULL when not stored (or pruned). */
  readonly prompt: string | null;
  readonly response: string | null;
}

/**
 * A record's values in RECORD_COLUMNS order. `bool` adapts booleans to the driver (SQLite has no
 * boolean type). A prompt that is absent is NULL; one that is present, even `null`, is its JSON.
 */
export function recordToRow<B>(record: LedgerRecord, bool: (value: boolean) => B): (string | number | B | null)[] {
  const { tokens } = record;
  return [
    record.id,
    record.ts,
    record.keyId,
    record.team,
    record.dialect,
    record.endpoint,
    bool(record.stream),
    record.requestedModel,
    record.task,
    record.priority,
    record.tier,
    record.rule,
    record.routeReason,
    record.fallbackReason,
    record.provider,
    record.model,
    bool(record.local),
    record.cache,
    tokens.inputUncached,
    tokens.cacheRead,
    tokens.cacheWrite,
    tokens.outputText,
    tokens.outputReasoning,
    bool(tokens.estimated),
    record.costUsd,
    record.referenceModel,
    record.referenceCostUsd,
    record.savingsUsd,
    record.ttftMs,
    record.latencyMs,
    record.generationMs,
    record.outcome,
    record.httpStatus,
    record.errorCode,
    JSON.stringify(record.attempts),
    JSON.stringify(record.warnings),
    payloadToColumn(record.prompt),
    payloadToColumn(record.response),
  ];
}

export function rowToRecord(row: LedgerRecordRow): LedgerRecord {
  const record: LedgerRecord = {
    id: row.id,
    ts: row.ts,
    keyId: row.key_id,
    team: row.team,
    dialect: row.dialect,
    endpoint: row.endpoint,
    stream: Boolean(row.stream),
    requestedModel: row.requested_model,
    task: row.task,
    priority: row.priority,
    tier: row.tier,
    rule: row.rule,
    routeReason: row.route_reason,
    fallbackReason: row.fallback_reason,
    attempts: JSON.parse(row.attempts) as LedgerAttempt[],
    provider: row.provider,
    model: row.model,
    local: Boolean(row.local),
    cache: row.cache,
    tokens: {
      inputUncached: row.input_uncached,
      cacheRead: row.cache_read,
      cacheWrite: row.cache_write,
      outputText: row.output_text,
      outputReasoning: row.output_reasoning,
      estimated: Boolean(row.tokens_estimated),
    },
    costUsd: row.cost_usd,
    referenceModel: row.reference_model,
    referenceCostUsd: row.reference_cost_usd,
    savingsUsd: row.savings_usd,
    ttftMs: row.ttft_ms,
    latencyMs: row.latency_ms,
    generationMs: row.generation_ms,
    outcome: row.outcome,
    httpStatus: row.http_status,
    errorCode: row.error_code,
    warnings: JSON.parse(row.warnings) as string[],
  };
  if (row.prompt === null && row.response === null) return record;
  return {
    ...record,
    ...(row.prompt === null ? {} : { prompt: JSON.parse(row.prompt) as unknown }),
    ...(row.response === null ? {} : { response: JSON.parse(row.response) as unknown }),
  };
}

function payloadToColumn(payload: unknown): string | null {
  // JSON.stringify gives undefined for what JSON cannot hold (a function): stored as no payload.
  return payload === undefined ? null : (JSON.stringify(payload) ?? null);
}

/** The SELECT behind `records()`: newest first, `limit` clamped as RecordQuery documents (default 100, at most 10,000). */
export function buildRecordsSql(query: RecordQuery, placeholder: (n: number) => string): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return placeholder(params.length);
  };
  const where: string[] = [];
  if (query.since !== undefined) where.push(`ts >= ${bind(query.since)}`);
  if (query.until !== undefined) where.push(`ts < ${bind(query.until)}`);
  if (query.keyId !== undefined) where.push(`key_id = ${bind(query.keyId)}`);
  const limit = Math.max(0, Math.min(10_000, Math.floor(query.limit ?? 100)));
  const sql = [
    'SELECT * FROM records',
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    `ORDER BY ts DESC, id DESC LIMIT ${bind(limit)}`,
  ].join(' ');
  return { sql, params };
}
