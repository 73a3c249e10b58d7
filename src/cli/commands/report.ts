import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/index.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import type { UsageDimension } from '../../ledger/ledger-store.js';
import { plainWhenPiped } from '../shared.js';
import { parseTime, usageReport, USAGE_DIMENSIONS, type UsageReport, type UsageReportRow } from '../../ledger/reports.js';

interface ReportOptions {
  config?: string;
  since: string;
  until?: string;
  by: UsageDimension[];
  format: 'table' | 'json' | 'csv';
  key?: string;
  team?: string;
  task?: string;
}

/** The columns of the table and the CSV, in order: what people ask a cost report. */
const COLUMNS: ReadonlyArray<{ title: string; value: (row: UsageReportRow) => number | null; format: (value: number) => string }> = [
  { title: 'requests', value: (row) => row.requests, format: integer },
  { title: 'errors', value: (row) => row.errors + row.partial + row.clientAborted, format: integer },
  { title: 'fallbacks', value: (row) => row.fallbacks, format: integer },
  { title: 'input tok', value: (row) => row.inputTokens, format: integer },
  { title: 'output tok', value: (row) => row.outputTokens, format: integer },
  { title: 'cost $', value: (row) => row.costUsd, format: dollars },
  { title: 'cloud ref $', value: (row) => row.referenceCostUsd, format: dollars },
  { title: 'saved $', value: (row) => row.savingsUsd, format: dollars },
  { title: 'latency ms', value: (row) => row.latencyMsAvg, format: (value) => value.toFixed(0) },
];

/** `tollgate report --since 7d --by task`: usage, cost and savings from the ledger, as a table, JSON or CSV. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Usage, cost and savings from the ledger (reads the store in the config directly; the gateway need not run)')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .option('--since <time>', 'start: 7d, 24h, 30m, an ISO date or epoch ms', '7d')
    .option('--until <time>', 'end (default: now)')
    .option('--by <dimensions>', `group by, comma-separated: ${USAGE_DIMENSIONS.join(', ')}`, parseDimensions, ['day'] as UsageDimension[])
    .option('--format <format>', 'table | json | csv', parseFormat, 'table' as const)
    .option('--key <id>', 'only this key id (none = calls without a key)')
    .option('--team <team>', 'only this team')
    .option('--task <task>', 'only this task')
    .action(async (options: ReportOptions) => {
      const { config } = await loadConfig({ path: options.config });
      const store = await openLedgerStore(config.ledger.url);
      try {
        const now = Date.now();
        const nullable = (value: string) => (value === 'none' ? null : value);
        const report = await usageReport(store, {
          since: parseTime(options.since, now),
          until: options.until ? parseTime(options.until, now) : now + 1,
          by: options.by,
          filter: {
            ...(options.key !== undefined ? { keyId: nullable(options.key) } : {}),
            ...(options.team !== undefined ? { team: nullable(options.team) } : {}),
            ...(options.task !== undefined ? { task: nullable(options.task) } : {}),
          },
          histograms: true, // the JSON carries latency and TTFT p50/p95, as /api/usage
        });
        console.log(renderReport(report, options.format));
      } finally {
        await store.close();
      }
    });
}

export function renderReport(report: UsageReport, format: 'table' | 'json' | 'csv'): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  const groupTitles = report.by.length > 0 ? [...report.by] : ['all'];
  const groupCells = (row: UsageReportRow) => (report.by.length > 0 ? report.by.map((dimension) => show(row.group[dimension])) : ['all']);
  if (format === 'csv') {
    const lines = [[...groupTitles, ...COLUMNS.map((column) => column.title)].map(csvCell).join(',')];
    for (const row of report.rows) lines.push([...groupCells(row), ...COLUMNS.map((column) => String(column.value(row) ?? ''))].map(csvCell).join(','));
    return lines.join('\n');
  }
  const table = new Table({ ...plainWhenPiped(), head: [...groupTitles, ...COLUMNS.map((column) => column.title)], colAligns: [...groupTitles.map(() => 'left' as const), ...COLUMNS.map(() => 'right' as const)] });
  const cells = (row: UsageReportRow) => COLUMNS.map((column) => {
    const value = column.value(row);
    return value === null ? '–' : column.format(value);
  });
  for (const row of report.rows) table.push([...groupCells(row), ...cells(row)]);
  if (report.rows.length > 1) table.push([...groupTitles.map((_, index) => (index === 0 ? 'total' : '')), ...cells(report.totals)]);
  const unknown = report.totals.costUnknown;
  const footer = [`${report.since} → ${report.until}`];
  if (unknown > 0) footer.push(`${unknown} request(s) with an unknown price are not in the cost column: add them under pricing.models`);
  if (report.rows.length === 0) footer.push('no requests in this window');
  return `${table.toString()}\n${footer.join('\n')}`;
}

function show(value: string | boolean | null | undefined): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'boolean') return value ? 'local' : 'cloud';
  return value;
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function integer(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function dollars(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(2) : value.toFixed(4);
}

function parseDimensions(value: string): UsageDimension[] {
  const dimensions = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  const unknown = dimensions.filter((entry) => !(USAGE_DIMENSIONS as readonly string[]).includes(entry));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown dimension ${unknown.join(', ')}; use ${USAGE_DIMENSIONS.join(', ')}`);
  return dimensions as UsageDimension[];
}

function parseFormat(value: string): 'table' | 'json' | 'csv' {
  if (value !== 'table' && value !== 'json' && value !== 'csv') throw new InvalidArgumentError('expected table, json or csv');
  return value;
}
