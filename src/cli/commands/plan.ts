import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/index.js';
import { parseTime } from '../../ledger/reports.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import { createPriceBook } from '../../pricing/index.js';
import { buildPlan, loadHardwareCatalog, loadWhatIf, type PlanReport, type RoiOption, type RoiScenario } from '../../planning/roi/index.js';
import { parseNumber, plainWhenPiped } from '../shared.js';

interface PlanCommandOptions {
  config?: string;
  since: string;
  until?: string;
  whatIf?: string;
  localShare?: number;
  growth?: number[];
  kwhUsd?: number;
  hoursPerDay?: number;
  maintenanceHours?: number;
  hourlyUsd?: number;
  format: 'table' | 'json';
}

/**
 * `tollgate plan`: is a local GPU worth it, and which? Cloud-only against hybrid cost per hardware
 * option and growth factor, break-even, net after 1 and 5 years, and what it would take to break
 * even within 24 months. Reads the ledger's rollups directly (the gateway need not run), or a
 * what-if file for a team with no traffic yet.
 */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('ROI / break-even per GPU option, from the ledger\'s traffic or a what-if file (reads the store directly; the gateway need not run)')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .option('--since <time>', 'traffic window start: 30d, 24h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'traffic window end (default: now)')
    .option('--what-if <file>', 'a month of traffic from a YAML/JSON file instead of the ledger (see docs/planning.md)')
    .option('--local-share <share>', 'share of the work run locally, 0-1 (default: planning.localShare, else measured)', parseShare)
    .option('--growth <factors>', 'traffic multiples to plan for, comma-separated (default: planning.growth, 1,10)', parseGrowth)
    .option('--kwh-usd <usd>', 'electricity price per kWh (default: planning.kwhUsd, else pricing.local.kwhUsd)', parseNumber)
    .option('--hours-per-day <hours>', 'hours a day the box is on (default: planning.hoursPerDay, 24)', parseHours)
    .option('--maintenance-hours <hours>', 'maintenance hours a month (default: planning.maintenance.hoursPerMonth, 2)', parseNumber)
    .option('--hourly-usd <usd>', 'what a maintenance hour costs (default: planning.maintenance.hourlyUsd, 50)', parseNumber)
    .option('--format <format>', 'table | json', parseFormat, 'table' as const)
    .action(async (options: PlanCommandOptions) => {
      const { config } = await loadConfig({ path: options.config });
      const now = Date.now();
      const [priceBook, catalog] = await Promise.all([createPriceBook({ config: config.pricing, providers: config.providers }), loadHardwareCatalog()]);
      const whatIf = options.whatIf !== undefined ? await loadWhatIf(options.whatIf, priceBook, new Date(now)) : undefined;
      // A what-if plan never touches the ledger (nor creates one).
      const store: LedgerStore | undefined = whatIf ? undefined : await openLedgerStore(config.ledger.url);
      try {
        const report = await buildPlan(
          { config, priceBook, catalog, ...(store ? { store } : {}) },
          {
            since: parseTime(options.since, now),
            until: options.until ? parseTime(options.until, now) : now + 1,
            ...(whatIf ? { whatIf } : {}),
            ...(options.localShare !== undefined ? { localShare: options.localShare } : {}),
            ...(options.growth !== undefined ? { growth: options.growth } : {}),
            ...(options.kwhUsd !== undefined ? { kwhUsd: options.kwhUsd } : {}),
            ...(options.hoursPerDay !== undefined ? { hoursPerDay: options.hoursPerDay } : {}),
            ...(options.maintenanceHours !== undefined ? { maintenanceHoursPerMonth: options.maintenanceHours } : {}),
            ...(options.hourlyUsd !== undefined ? { maintenanceHourlyUsd: options.hourlyUsd } : {}),
          },
        );
        console.log(renderPlan(report, options.format));
      } finally {
        await store?.close();
      }
    });
}

export function renderPlan(report: PlanReport, format: 'table' | 'json'): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  const { inputs, monthly } = report;
  const sections: string[] = [];
  const table = (head: string[], leftColumns = 1) => new Table({ ...plainWhenPiped(), head, colAligns: head.map((_, i) => (i < leftColumns ? ('left' as const) : ('right' as const))) });

  // ---- inputs: the traffic, then every assumption, then the hardware -----------------------------
  const source = report.source;
  const measured = source.kind === 'ledger';
  sections.push(
    source.kind === 'ledger'
      ? `Traffic a month, from the ledger: ${source.since} → ${source.until} (${integer(source.windowHours)} h, ×${source.monthScale.toFixed(4)} to a 730 h month)`
      : `Traffic a month, from the what-if file ${source.file}`,
  );
  const traffic = table(['task', 'reference model', 'requests', 'input tok', 'output tok', 'cloud ref $', ...(measured ? ['local now'] : [])], 2);
  for (const task of inputs.traffic) {
    const localNow = task.localShare ?? null;
    traffic.push([task.task ?? '(none)', task.referenceModel ?? '(route’s first cloud target)', integer(task.requests), integer(task.inputTokens), integer(task.outputTokens), money(task.referenceCostUsd), ...(measured ? [localNow === null ? '–' : percent(localNow)] : [])]);
  }
  traffic.push(['total', '', integer(monthly.requests), integer(monthly.inputTokens), integer(monthly.outputTokens), money(monthly.referenceCostUsd), ...(measured ? [''] : [])]);
  sections.push(traffic.toString());

  const o = report.origins;
  sections.push(
    [
      `Local share: ${percent(inputs.localShare)} of the work, by reference cost (${o.localShare === 'ledger' ? 'measured' : o.localShare})`,
      `Electricity: $${inputs.kwhUsd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}/kWh (${o.kwhUsd}); box on ${inputs.hoursPerDay} h/day = ${fixed(monthly.hoursOn, 1)} h/month (${o.hoursPerDay})`,
      `Maintenance: ${inputs.maintenanceHoursPerMonth} h × $${inputs.maintenanceHourlyUsd} = $${money(monthly.maintenanceUsd)}/month (${o.maintenance})`,
      `Growth: ${inputs.growth.map((g) => `${g}×`).join(', ')} today's volume (${o.growth})` +
        (source.kind === 'ledger' && source.localOutputTokensPerSecond !== null ? `\nMeasured on your local targets: ${fixed(source.localOutputTokensPerSecond, 1)} output tok/s` : ''),
    ].join('\n'),
  );

  const hardware = table(['hardware', 'price $', 'VRAM GB', 'load W', 'idle W', 'prompt tok/s', 'output tok/s']);
  for (const option of inputs.hardware) {
    hardware.push([option.name, money(option.priceUsd), option.vramGb === null ? '–' : String(option.vramGb), integer(option.loadWatts), integer(option.idleWatts), integer(option.promptTokensPerSecond), integer(option.outputTokensPerSecond)]);
  }
  sections.push(`Hardware (config/hardware.yaml, planning.hardware)\n${hardware.toString()}`);

  // ---- outputs: one table per growth factor ------------------------------------------------------
  inputs.growth.forEach((growth, index) => {
    // Cloud-only and maintenance are the same for every option: they go in the title.
    const results = table(['option', 'energy $', 'rest cloud $', 'hybrid $', 'saved $/mo', 'break-even', 'net year 1 $', 'net 5 years $', 'busy h/mo', `share for ${report.breakEvenTargetMonths} mo`]);
    for (const option of report.options) {
      const s = option.scenarios[index] as RoiScenario;
      results.push([
        option.hardware.name,
        money(s.energyUsd),
        money(s.remainingCloudUsd),
        money(s.hybridUsd),
        money(s.savingsUsd),
        breakEven(s.breakEvenMonth),
        money(s.netYear1Usd),
        money(s.netYear5Usd),
        `${fixed(s.busyHours, 1)}${s.fits ? '' : ' OVER'}`,
        shareNeeded(s.localShareToBreakEven),
      ]);
    }
    const cloudOnly = money(report.options[0]?.scenarios[index]?.cloudOnlyUsd ?? growth * monthly.referenceCostUsd);
    sections.push(`At ${growth}× today's volume: cloud-only $${cloudOnly} a month; hybrid = energy + rest of the cloud + $${money(monthly.maintenanceUsd)} maintenance\n${results.toString()}`);
  });

  const sensitivity = table(['option', 'idle energy $/mo', `volume for ${report.breakEvenTargetMonths} mo break-even`, 'capacity (max volume)']);
  for (const option of report.options) sensitivity.push([option.hardware.name, money(option.idleEnergyUsd), multiple(option.volumeMultipleToBreakEven), capacity(option)]);
  sections.push(`At a local share of ${percent(inputs.localShare)}: the multiple of today's volume each option needs\n${sensitivity.toString()}`);

  sections.push(
    'savings = cloud-only − (energy + rest cloud + maintenance); break-even = first month with months × savings ≥ price; net = months × savings − price.\n' +
      'busy h = local tokens ÷ single-stream tok/s; OVER: more hours than the box is on (flagged, not capped). docs/planning.md has every formula.',
  );
  if (report.warnings.length > 0) sections.push(report.warnings.map((warning) => `! ${warning}`).join('\n'));
  return sections.join('\n\n');
}

function breakEven(month: number | null): string {
  if (month === null) return 'never';
  return month === 0 ? 'now' : `month ${month}`;
}

function shareNeeded(share: number | null): string {
  if (share === null) return 'none';
  return share > 1 ? `${percent(share)} (>100%)` : percent(share);
}

function multiple(value: number | null): string {
  return value === null ? 'never' : `×${fixed(value, 2)}`;
}

function capacity(option: RoiOption): string {
  return option.maxVolumeMultiple === null ? 'unbounded' : `×${fixed(option.maxVolumeMultiple, 2)}`;
}

function integer(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function money(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function percent(value: number): string {
  return `${fixed(value * 100, 1)}%`;
}

function parseShare(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) throw new InvalidArgumentError('expected a share from 0 to 1, e.g. 0.7');
  return share;
}

function parseGrowth(value: string): number[] {
  const factors = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0).map(Number);
  if (factors.length === 0 || factors.some((factor) => !Number.isFinite(factor) || factor <= 0)) throw new InvalidArgumentError('expected positive multiples, comma-separated, e.g. 1,10');
  return factors;
}

function parseHours(value: string): number {
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24) throw new InvalidArgumentError('expected hours from above 0 to 24');
  return hours;
}

function parseFormat(value: string): 'table' | 'json' {
  if (value !== 'table' && value !== 'json') throw new InvalidArgumentError('expected table or json');
  return value;
}
