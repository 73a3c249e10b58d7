import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/index.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import { parseTime } from '../../ledger/reports.js';
import { trialScorecard } from '../../planning/scorecard/gather-trial-evidence.js';
import { days, type CriterionStatus, type Scorecard } from '../../planning/scorecard/score-trial.js';
import { plainWhenPiped } from '../shared.js';

interface ScorecardOptions {
  config?: string;
  since?: string;
  until?: string;
  trial?: boolean;
  format: 'table' | 'json';
}

/**
 * `tollgate scorecard`: did the trial succeed? Reads the store in the config directly (the gateway
 * need not run): uptime from the stored up/down transitions, savings and fallbacks from the
 * rollups, drills from their table.
 */
export function registerScorecardCommand(program: Command): void {
  program
    .command('scorecard')
    .description('The trial scorecard: local uptime, quality, savings and fallback against planning.trial, and the verdict (reads the store directly)')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .option('--since <time>', 'judge from this time instead of planning.trial.start: 14d, an ISO date or epoch ms')
    .option('--until <time>', 'judge until this time (default: the trial end, or now)')
    .option('--trial', 'judge the configured trial window (planning.trial; the default when it has a start)')
    .option('--format <format>', 'table | json', parseFormat, 'table' as const)
    .action(async (options: ScorecardOptions) => {
      if (options.since !== undefined && options.trial) throw new InvalidArgumentError('give --since or --trial, not both');
      const { config } = await loadConfig({ path: options.config });
      const trial = config.planning.trial;
      if (options.trial && trial.start === undefined) throw new Error('--trial needs planning.trial.start in the config (e.g. planning: { trial: { start: 2026-11-01, days: 14 } }).');
      const now = Date.now();
      const store = await openLedgerStore(config.ledger.url);
      try {
        const scorecard = await trialScorecard({ store }, trial, {
          now,
          ...(options.since !== undefined ? { since: parseTime(options.since, now) } : {}),
          ...(options.until !== undefined ? { until: parseTime(options.until, now) } : {}),
        });
        console.log(renderScorecard(scorecard, options.format));
      } finally {
        await store.close();
      }
    });
}

const STATUS: Readonly<Record<CriterionStatus, string>> = { pass: 'met', fail: 'NOT MET', 'not-measured': 'not measured' };

const WINDOW_SOURCE: Readonly<Record<Scorecard['window']['source'], string>> = {
  trial: 'planning.trial',
  since: '--since',
  default: 'last 30 days: no planning.trial.start',
};

export function renderScorecard(scorecard: Scorecard, format: 'table' | 'json'): string {
  if (format === 'json') return JSON.stringify(scorecard, null, 2);
  const { window } = scorecard;
  const title = `Trial scorecard, ${window.from.slice(0, 16)}Z → ${window.to.slice(0, 16)}Z (${days(Date.parse(window.to) - Date.parse(window.from))} days, ${WINDOW_SOURCE[window.source]}${window.ongoing ? ', still running' : ''})`;
  const table = new Table({ ...plainWhenPiped(), head: ['criterion', 'result', 'measured', 'evidence'], colWidths: [26, 14, 20, 70], wordWrap: true });
  for (const line of scorecard.lines) table.push([line.criterion, STATUS[line.status], line.measured, `${line.evidence}\nsource: ${line.source}`]);
  return `${title}\n${table.toString()}\nVerdict: ${scorecard.recommendation}. ${scorecard.why}`;
}

function parseFormat(value: string): 'table' | 'json' {
  if (value !== 'table' && value !== 'json') throw new InvalidArgumentError('expected table or json');
  return value;
}
