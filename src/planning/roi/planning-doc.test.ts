/**
 * docs/planning.md works an example through by hand. This test reads the page itself: its inputs
 * (the what-if file and the command's flags) go through the same path as `tollgate plan`, and every
 * figure of its result tables must equal the plan's to the digits the page prints.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/index.js';
import { createPriceBook } from '../../pricing/index.js';
import { buildPlan } from './build-plan.js';
import { loadHardwareCatalog } from './hardware-catalog.js';
import type { RoiOption, RoiScenario } from './plan-roi.js';
import { parseWhatIf } from './what-if.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/planning.md', import.meta.url)), 'utf8');

function section(name: string): string {
  const match = new RegExp(`<!-- example:${name} -->([\\s\\S]*?)<!-- /example:${name} -->`).exec(DOC);
  if (!match?.[1]) throw new Error(`docs/planning.md has no example:${name} section`);
  return match[1];
}

/** A markdown table as rows of cells, header first, the |---| line dropped. */
function table(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-|\s]+\|$/.test(line))
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

/** Checks one printed figure against the plan's: to the digits printed (a percentage is of 1). */
function expectFigure(printed: string, actual: number | null, where: string): void {
  if (printed === 'never') return void expect(actual, where).toBeNull();
  if (printed === 'now') return void expect(actual, where).toBe(0);
  const month = /^month (\d+)$/.exec(printed);
  if (month) return void expect(actual, where).toBe(Number(month[1]));
  const percent = printed.endsWith('%');
  const number = printed.replace(/%$/, '').trim().replace('−', '-').replaceAll(',', '');
  expect(number, where).toMatch(/^-?\d+(\.\d+)?$/);
  const digits = number.split('.')[1]?.length ?? 0;
  const scale = percent ? 100 : 1;
  expect(actual, where).not.toBeNull();
  // Half a unit of the last printed digit, and a hair for floating point.
  expect(Math.abs(actual! * scale - Number(number)), `${where}: printed ${printed}, computed ${actual! * scale}`).toBeLessThanOrEqual(0.5 * 10 ** -digits + 1e-9);
}

const SCENARIO_ROWS: Readonly<Record<string, (scenario: RoiScenario) => number | null>> = {
  'cloud-only $': (s) => s.cloudOnlyUsd,
  'busy hours': (s) => s.busyHours,
  'energy kWh': (s) => s.energyKwh,
  'energy $': (s) => s.energyUsd,
  'remaining cloud $': (s) => s.remainingCloudUsd,
  'maintenance $': (s) => s.maintenanceUsd,
  'hybrid $': (s) => s.hybridUsd,
  'savings $': (s) => s.savingsUsd,
  'break-even': (s) => s.breakEvenMonth,
  'net after year 1 $': (s) => s.netYear1Usd,
  'net after 5 years $': (s) => s.netYear5Usd,
  'share for 24 months': (s) => s.localShareToBreakEven,
};

const OPTION_ROWS: Readonly<Record<string, (option: RoiOption) => number | null>> = {
  'busy hours, all traffic': (o) => o.busyHoursAtFullShare,
  'idle energy $': (o) => o.idleEnergyUsd,
  'generation energy, all traffic $': (o) => o.generationEnergyAtFullShareUsd,
  'volume for 24 months': (o) => o.volumeMultipleToBreakEven,
  'capacity (max volume)': (o) => o.maxVolumeMultiple,
};

const OPTION_IDS: Readonly<Record<string, string>> = { 'RTX 3090': 'rtx-3090', 'No purchase': 'existing' };

describe('the worked example in docs/planning.md', () => {
  it('equals planRoi’s output for the inputs the page states', async () => {
    const inputs = section('inputs');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(inputs)?.[1];
    const flags = /`tollgate plan --what-if team\.yaml --local-share (\S+) --kwh-usd (\S+)`/.exec(inputs);
    expect(yaml).toBeDefined();
    expect(flags).not.toBeNull();

    // The default config, as the page says: pricing.local at its defaults, planning: defaults.
    const config = validateConfig({}, 'docs');
    const priceBook = await createPriceBook({ config: config.pricing, providers: config.providers });
    const whatIf = parseWhatIf(yaml!, 'team.yaml', priceBook, new Date('2026-11-25T00:00:00Z'));
    const plan = await buildPlan({ config, priceBook, catalog: await loadHardwareCatalog() }, { since: 0, until: 1, whatIf, localShare: Number(flags![1]), kwhUsd: Number(flags![2]) });
    const option = (name: string) => {
      const id = OPTION_IDS[name];
      const found = plan.options.find((entry) => entry.hardware.id === id);
      if (!found) throw new Error(`no option '${name}' (${id}) in the plan`);
      return found;
    };

    const [head, ...rows] = table(section('results'));
    const columns = head!.slice(1).map((title) => {
      const [, name, growth] = /^(.+), (\d+(?:\.\d+)?)×$/.exec(title) ?? [];
      const scenario = option(name!).scenarios.find((entry) => entry.growth === Number(growth));
      if (!scenario) throw new Error(`no scenario for column '${title}'`);
      return { title, scenario };
    });
    expect(rows.map((row) => row[0])).toEqual(Object.keys(SCENARIO_ROWS));
    for (const row of rows) {
      const value = SCENARIO_ROWS[row[0]!]!;
      columns.forEach((column, i) => expectFigure(row[i + 1]!, value(column.scenario), `${row[0]} / ${column.title}`));
    }

    const [optionHead, ...optionRows] = table(section('options'));
    expect(optionRows.map((row) => row[0])).toEqual(Object.keys(OPTION_ROWS));
    for (const row of optionRows) {
      optionHead!.slice(1).forEach((name, i) => expectFigure(row[i + 1]!, OPTION_ROWS[row[0]!]!(option(name)), `${row[0]} / ${name}`));
    }
  });
});
