/**
 * What the ledger costs at scale, on SQLite files in a temp dir:
 *   ingest  — records pushed through the gateway's own path (`Ledger.record()`, group commit in
 *             batches of 500, the store's worker thread) as fast as they come, in time order;
 *   reports — the dashboard's and `tollgate report`'s usage queries over a ledger of ten million
 *             records (seeded in SQL, rollups built as a migration backfill builds them).
 * Run alone with `node dist/bench/ledger-bench.js` (BENCH_LEDGER_RECORDS sets the ledger size).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import pino from 'pino';
import { Ledger } from '../ledger/ledger.js';
import type { LedgerRecord } from '../ledger/ledger-record.js';
import type { LedgerStore, UsageQuery } from '../ledger/ledger-store.js';
import { rebuildRollups, seedRecords } from '../ledger/store/sqlite-ledger-seed.js';
import { createSqliteLedgerStore } from '../ledger/store/sqlite-ledger-store.js';
import { createRng } from '../sim/common/text-generator.js';

export interface LedgerBenchOptions {
  /** Records in the reporting ledger (default 10,000,000). Ingest pushes 200,000, or this many if fewer. */
  readonly records?: number;
  /** Called as each phase advances: `ingest`, `seed`, `rollups`, `reports`. */
  readonly onProgress?: (phase: string, done: number, total: number) => void;
}

export interface LedgerBenchResult {
  readonly ingest: {
    readonly records: number;
    readonly seconds: number;
    readonly recordsPerSecond: number;
  };
  readonly reports: {
    /** Rows in the reporting ledger's tables. */
    readonly records: number;
    readonly hourlyRollups: number;
    readonly dailyRollups: number;
    /** Time to seed the records and to build their rollups (setup, not part of any target). */
    readonly seedSeconds: number;
    readonly rollupSeconds: number;
    readonly queries: readonly QueryTiming[];
  };
}

export interface QueryTiming {
  readonly label: string;
  /** Rows the query answered. */
  readonly rows: number;
  /** Median of RUNS timed calls to `usage()`, after one untimed call. */
  readonly medianMs: number;
}

/** Targets from the product requirements. */
export const INGEST_TARGET_PER_SECOND = 20_000;
export const QUERY_TARGET_MS = 100;

const DAY = 86_400_000;
const SPAN = 30 * DAY;
const INGEST_RECORDS = 200_000;
const SEED_SLICE = 1_000_000;
const RUNS = 5;

export async function benchLedger(options: LedgerBenchOptions = {}): Promise<LedgerBenchResult> {
  const records = options.records ?? 10_000_000;
  const progress = options.onProgress ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-ledger-bench-'));
  try {
    const ingest = await benchIngest(join(dir, 'ingest.db'), Math.min(INGEST_RECORDS, records), progress);
    const reports = await benchReports(join(dir, 'reports.db'), records, progress);
    return { ingest, reports };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchIngest(path: string, count: number, progress: (phase: string, done: number, total: number) => void): Promise<LedgerBenchResult['ingest']> {
  const records = liveTraffic(count, Date.now() - SPAN, SPAN);
  const store = await createSqliteLedgerStore({ path });
  try {
    await store.migrate();
    const ledger = new Ledger({ store, logger: pino({ level: 'silent' }), batchSize: 500, flushIntervalMs: 100 });
    const started = performance.now();
    for (let index = 0; index < records.length; index++) {
      ledger.record(records[index] as LedgerRecord);
      // Requests finish between I/O events, not in one synchronous burst: let the writes run.
      if (index % 1_000 === 999) {
        progress('ingest', ledger.stats.written, count);
        await nextTurn();
      }
    }
    await ledger.flush();
    const seconds = (performance.now() - started) / 1000;
    progress('ingest', count, count);
    await ledger.close();
    const [total] = await store.usage({ since: 0, until: Date.now() + DAY, groupBy: [] });
    if (total?.requests !== count) throw new Error(`ledger bench: ingested ${count} records, the rollups count ${total?.requests ?? 0}`);
    return { records: count, seconds, recordsPerSecond: count / seconds };
  } finally {
    await store.close();
  }
}

async function benchReports(path: string, count: number, progress: (phase: string, done: number, total: number) => void): Promise<LedgerBenchResult['reports']> {
  const end = Date.now();
  const start = end - SPAN;

  // The schema through the store's own migrations; then records and rollups straight into the file.
  const migrating = await createSqliteLedgerStore({ path });
  await migrating.migrate();
  await migrating.close();
  const db = new Database(path);
  let seedSeconds: number;
  let rollupSeconds: number;
  let sizes: { records: number; hourlyRollups: number; dailyRollups: number };
  try {
    // A throwaway file: no journal, no fsync (the store turns WAL back on when it opens it).
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    let started = performance.now();
    for (let from = 0; from < count; from += SEED_SLICE) {
      db.transaction(() => seedRecords(db, { count, start, spanMs: SPAN, from, to: from + SEED_SLICE }))();
      progress('seed', Math.min(from + SEED_SLICE, count), count);
    }
    seedSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    db.transaction(() => rebuildRollups(db, (done, total) => progress('rollups', done, total)))();
    rollupSeconds = (performance.now() - started) / 1000;
    const rowsOf = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    sizes = { records: rowsOf('records'), hourlyRollups: rowsOf('rollups_hourly'), dailyRollups: rowsOf('rollups_daily') };
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }

  const store = await createSqliteLedgerStore({ path });
  try {
    const queries = reportQueries(end);
    const timings: QueryTiming[] = [];
    for (const [index, { label, query }] of queries.entries()) {
      timings.push(await timeQuery(store, label, query));
      progress('reports', index + 1, queries.length);
    }
    return { ...sizes, seedSeconds, rollupSeconds, queries: timings };
  } finally {
    await store.close();
  }
}

/** What the dashboard and `tollgate report` ask, relative to now (so windows start and end mid-day, as they do live). */
function reportQueries(now: number): { label: string; query: UsageQuery }[] {
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  return [
    { label: '30 days by day', query: { since: now - 30 * DAY, until: now, groupBy: ['day'] } },
    { label: '7 days by task', query: { since: now - 7 * DAY, until: now, groupBy: ['task'] } },
    { label: '30 days by target', query: { since: now - 30 * DAY, until: now, groupBy: ['target'] } },
    { label: '30 days by key', query: { since: now - 30 * DAY, until: now, groupBy: ['key'] } },
    { label: 'month to date, totals', query: { since: monthStart, until: now, groupBy: [] } },
    { label: '24 hours by hour', query: { since: now - DAY, until: now, groupBy: ['hour'] } },
    { label: 'one team, 30 days by day', query: { since: now - 30 * DAY, until: now, groupBy: ['day'], filter: { team: 'team_1' } } },
  ];
}

async function timeQuery(store: LedgerStore, label: string, query: UsageQuery): Promise<QueryTiming> {
  let rows = (await store.usage(query)).length; // warm-up: statement prepared, pages cached
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    rows = (await store.usage(query)).length;
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  return { label, rows, medianMs: runs[Math.floor(RUNS / 2)] ?? Number.NaN };
}

const TASKS = ['kb-analysis', 'summary', 'agent', 'reasoning', 'query', 'chat'] as const;
const TIERS = ['L1', 'L2', 'L3'] as const;
const TARGETS = [
  { provider: 'ollama', model: 'llama3.2', local: true },
  { provider: 'ollama', model: 'qwen2.5:7b', local: true },
  { provider: 'gpu-box', model: 'qwen2.5:7b', local: true },
  { provider: 'anthropic', model: 'claude-haiku-5-5', local: false },
  { provider: 'openai', model: 'gpt-4o', local: false },
  { provider: 'openrouter', model: 'meta-llama/llama-3-70b', local: false },
] as const;

/**
 * `count` records spread over [start, start + spanMs), in time order as a live gateway writes
 * them: 20 keys in 4 teams (and keyless loopback calls), each key mostly doing two of 6 tasks, 3
 * tiers, 6 targets (local ones answer most), a few errors, fallbacks and cache hits. No payloads
 * (prompt storage is off by default).
 */
function liveTraffic(count: number, start: number, spanMs: number): LedgerRecord[] {
  const random = createRng(42); // seeded: every run ingests the same traffic
  const int = (max: number): number => Math.floor(random() * max);
  const step = spanMs / count;
  const records: LedgerRecord[] = [];
  for (let n = 0; n < count; n++) {
    const key = int(21); // 20 is no key
    const task = TASKS[(key + (random() < 0.8 ? 0 : 1 + int(5))) % TASKS.length] as string;
    const target = TARGETS[random() < 0.7 ? int(3) : 3 + int(3)] as (typeof TARGETS)[number];
    const ok = random() < 0.95;
    const fallback = !target.local && random() < 0.2;
    const cacheHit = random() < 0.03;
    const input = 200 + int(4000);
    const output = 20 + int(1500);
    const costUsd = cacheHit ? 0 : target.local ? output * 1e-8 : input * 2.5e-6 + output * 1e-5;
    const referenceCostUsd = input * 3e-6 + output * 1.5e-5;
    const latencyMs = 50 + random() * 6000;
    const stream = random() < 0.6;
    records.push({
      id: `bench-${n}`,
      ts: Math.floor(start + n * step),
      keyId: key === 20 ? null : `key_${key}`,
      team: key === 20 || key % 5 === 4 ? null : `team_${key % 5}`,
      dialect: random() < 0.7 ? 'openai' : 'anthropic',
      endpoint: 'chat',
      stream,
      requestedModel: 'auto',
      task,
      priority: null,
      tier: TIERS[key % TIERS.length] as string,
      rule: 'default',
      routeReason: 'task matched',
      fallbackReason: fallback ? 'ollama/llama3.2: first token timeout' : null,
      attempts: [{ ref: `${target.provider}/${target.model}`, outcome: ok ? 'ok' : 'error', latencyMs, retry: 0 }],
      provider: target.provider,
      model: target.model,
      local: target.local,
      cache: cacheHit ? 'hit' : 'miss',
      tokens: { inputUncached: input, cacheRead: 0, cacheWrite: 0, outputText: ok ? output : 0, outputReasoning: 0, estimated: false },
      costUsd,
      referenceModel: 'anthropic/claude-sonnet-5',
      referenceCostUsd,
      savingsUsd: referenceCostUsd - costUsd,
      ttftMs: stream && ok ? 20 + random() * 500 : null,
      latencyMs,
      generationMs: target.local && ok ? latencyMs * 0.8 : null,
      outcome: ok ? 'ok' : 'error',
      httpStatus: ok ? 200 : 502,
      errorCode: ok ? null : 'upstream_error',
      warnings: [],
    });
  }
  return records;
}

/** The result as the tables `npm run bench` prints. */
export function ledgerBenchTable(result: LedgerBenchResult): string {
  const { ingest, reports } = result;
  const verdict = (pass: boolean): string => (pass ? 'pass' : 'FAIL');
  const table = new Table({ head: ['ledger (SQLite)', 'measured', 'target', ''] });
  table.push([
    `ingest: ${ingest.records.toLocaleString('en')} records via Ledger.record()`,
    `${ingest.recordsPerSecond.toFixed(0)} records/s`,
    `≥ ${INGEST_TARGET_PER_SECOND.toLocaleString('en')}/s`,
    verdict(ingest.recordsPerSecond >= INGEST_TARGET_PER_SECOND),
  ]);
  for (const query of reports.queries) {
    const label = `usage: ${query.label} (${query.rows} row${query.rows === 1 ? '' : 's'}, median of ${RUNS})`;
    table.push([label, `${query.medianMs.toFixed(2)} ms`, `< ${QUERY_TARGET_MS} ms`, verdict(query.medianMs < QUERY_TARGET_MS)]);
  }
  const count = (value: number): string => value.toLocaleString('en');
  table.push(
    ['report ledger: records', count(reports.records), '', ''],
    ['report ledger: hourly / daily rollup rows', `${count(reports.hourlyRollups)} / ${count(reports.dailyRollups)}`, '', ''],
    ['report ledger: seeding / rollups (setup)', `${reports.seedSeconds.toFixed(1)} s / ${reports.rollupSeconds.toFixed(1)} s`, '', ''],
  );
  return table.toString();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const records = process.env['BENCH_LEDGER_RECORDS'] === undefined ? undefined : Number(process.env['BENCH_LEDGER_RECORDS']);
  const bar = new SingleBar({ format: 'ledger bench [{bar}] {percentage}% | {value}/{total} | {phase}', hideCursor: true }, Presets.shades_classic);
  let phase = '';
  bar.start(1, 0, { phase: 'starting' });
  const result = await benchLedger({
    ...(records === undefined ? {} : { records }),
    onProgress: (next, done, total) => {
      if (next !== phase) {
        phase = next;
        bar.setTotal(total);
      }
      bar.update(done, { phase });
    },
  });
  bar.stop();
  console.log(ledgerBenchTable(result));
}
