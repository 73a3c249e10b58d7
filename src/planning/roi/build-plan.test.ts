/**
 * The planner's inputs as the CLI and the API gather them: traffic from a real (SQLite, in-memory)
 * ledger's rollups or from a what-if file, the rest from arguments over the config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type ConfigInput } from '../../config/index.js';
import type { LedgerRecord } from '../../ledger/ledger-record.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import { createPriceBook, type PriceBook } from '../../pricing/index.js';
import { buildPlan, PlanInputError, type PlanDeps } from './build-plan.js';
import { loadHardwareCatalog, type HardwareCatalog } from './hardware-catalog.js';
import { parseWhatIf, WhatIfError } from './what-if.js';
import { ledgerRecord } from '../../ledger/testing/ledger-record-fixture.js';

const SINCE = Date.parse('2026-03-01T00:00:00Z');
const UNTIL = Date.parse('2026-03-03T00:00:00Z');
/** 48 hours to a 730-hour month. */
const SCALE = 730 / 48;
const AT = new Date('2026-03-05T00:00:00Z');

let n = 0;
function record(ts: string, fields: Partial<LedgerRecord>): LedgerRecord {
  return ledgerRecord({
    id: `p${++n}`,
    ts: Date.parse(ts),
    requestedModel: 'kb-analysis',
    task: 'kb-analysis',
    model: 'qwen2.5:7b',
    tokens: { inputUncached: 3000, cacheRead: 0, cacheWrite: 0, outputText: 500, outputReasoning: 0, estimated: false },
    costUsd: 0.0001,
    referenceModel: 'anthropic/claude-sonnet-5-5',
    // Sonnet 5.5: 3,000 × 2 ÷ 10⁶ + 500 × 10 ÷ 10⁶.
    referenceCostUsd: 0.011,
    savingsUsd: 0.0109,
    latencyMs: 5000,
    generationMs: 5000,
    ...fields,
  });
}

const cloud = { provider: 'anthropic', model: 'claude-sonnet-5-5', local: false, generationMs: null, costUsd: 0.011, savingsUsd: 0 } as const;

const RECORDS: LedgerRecord[] = [
  record('2026-03-01T10:00:00Z', {}),
  record('2026-03-02T10:00:00Z', {}),
  record('2026-03-02T11:00:00Z', cloud),
  // Haiku 5.5: 2,000 × 0.10 ÷ 10⁶ + 150 × 0.50 ÷ 10⁶.
  record('2026-03-02T12:00:00Z', { ...cloud, task: 'summary', tokens: { inputUncached: 1500, cacheRead: 500, cacheWrite: 0, outputText: 150, outputReasoning: 0, estimated: false }, referenceModel: 'anthropic/claude-haiku-5-5', referenceCostUsd: 0.000275 }),
  // A reference nobody could price: its tokens count, its cost does not.
  record('2026-03-02T13:00:00Z', { ...cloud, task: 'summary', tokens: { inputUncached: 100, cacheRead: 0, cacheWrite: 0, outputText: 10, outputReasoning: 0, estimated: false }, referenceCostUsd: null, savingsUsd: null }),
  // Outside the window.
  record('2026-03-04T10:00:00Z', {}),
];

let store: LedgerStore;
let priceBook: PriceBook;
let catalog: HardwareCatalog;

function deps(config: Partial<ConfigInput> = {}): PlanDeps {
  return { config: validateConfig({ pricing: { reference: { tasks: { summary: 'anthropic/claude-haiku-5-5' } } }, ...config }, 'test'), store, priceBook, catalog };
}

beforeAll(async () => {
  store = await openLedgerStore(':memory:');
  await store.append(RECORDS);
  const config = deps().config;
  priceBook = await createPriceBook({ config: config.pricing, providers: config.providers });
  catalog = await loadHardwareCatalog();
});
afterAll(() => store.close());

describe('buildPlan from the ledger', () => {
  it('scales the window’s tokens and reference cost by task to a month, and measures the local share by reference cost', async () => {
    const plan = await buildPlan(deps(), { since: SINCE, until: UNTIL });
    expect(plan.source).toMatchObject({ kind: 'ledger', since: '2026-03-01T00:00:00.000Z', until: '2026-03-03T00:00:00.000Z', windowHours: 48, activeDays: 2, referenceUnknown: 1 });
    expect(plan.source.kind === 'ledger' && plan.source.monthScale).toBeCloseTo(SCALE, 12);
    const [kb, summary] = plan.inputs.traffic;
    expect(kb).toMatchObject({ task: 'kb-analysis', referenceModel: null, localShare: 2 / 3 });
    expect(kb!.requests).toBeCloseTo(3 * SCALE, 9);
    expect(kb!.inputTokens).toBeCloseTo(9000 * SCALE, 6);
    expect(kb!.outputTokens).toBeCloseTo(1500 * SCALE, 6);
    expect(kb!.referenceCostUsd).toBeCloseTo(0.033 * SCALE, 12);
    // Cache reads are prompt tokens too.
    expect(summary).toMatchObject({ task: 'summary', referenceModel: 'anthropic/claude-haiku-5-5', localShare: 0 });
    expect(summary!.inputTokens).toBeCloseTo(2100 * SCALE, 6);
    expect(summary!.referenceCostUsd).toBeCloseTo(0.000275 * SCALE, 12);
    // 0.022 of 0.033275 served locally.
    expect(plan.inputs.localShare).toBeCloseTo(0.022 / 0.033275, 12);
    expect(plan.origins).toEqual({ localShare: 'ledger', kwhUsd: 'pricing.local.kwhUsd', hoursPerDay: 'planning.hoursPerDay', maintenance: 'planning.maintenance', growth: 'planning.growth' });
    // 1,000 output tokens in 10 s of generation.
    expect(plan.source.kind === 'ledger' && plan.source.localOutputTokensPerSecond).toBe(100);
    expect(plan.warnings).toEqual([expect.stringMatching(/^1 request\(s\) in the window have no reference cost/), expect.stringMatching(/^Scaled to a month from 48 h of traffic \(×15\.2\)/)]);
  });

  it('compares the shipped hardware with pricing.local standing in for the existing machine', async () => {
    const plan = await buildPlan(deps({ pricing: { local: { gpuWatts: 300, idleWatts: 40, kwhUsd: 0.3 } } }), { since: SINCE, until: UNTIL });
    expect(plan.inputs.hardware.map((option) => option.id)).toEqual(['rtx-3090', 'rtx-4090', 'rtx-4060-ti-16gb', 'existing']);
    expect(plan.inputs.hardware.map((option) => option.priceUsd)).toEqual([1200, 1800, 500, 0]);
    expect(plan.inputs.hardware[3]).toMatchObject({ loadWatts: 300, idleWatts: 40 });
    expect(plan.inputs.kwhUsd).toBe(0.3);
    expect(plan.inputs.growth).toEqual([1, 10]);
    expect(plan.inputs).toMatchObject({ hoursPerDay: 24, maintenanceHoursPerMonth: 2, maintenanceHourlyUsd: 50 });
  });

  it('takes arguments over planning: over pricing.local, and says where each came from', async () => {
    const config = deps({ planning: { localShare: 0.5, kwhUsd: 0.25, hoursPerDay: 10, maintenance: { hoursPerMonth: 1, hourlyUsd: 80 }, growth: [2], hardware: { 'rtx-3090': { priceUsd: 900 } } } });
    const fromConfig = await buildPlan(config, { since: SINCE, until: UNTIL });
    expect(fromConfig.inputs).toMatchObject({ localShare: 0.5, kwhUsd: 0.25, hoursPerDay: 10, maintenanceHoursPerMonth: 1, maintenanceHourlyUsd: 80, growth: [2] });
    expect(fromConfig.inputs.hardware[0]).toMatchObject({ id: 'rtx-3090', priceUsd: 900, loadWatts: 430 });
    expect(fromConfig.origins).toEqual({ localShare: 'planning.localShare', kwhUsd: 'planning.kwhUsd', hoursPerDay: 'planning.hoursPerDay', maintenance: 'planning.maintenance', growth: 'planning.growth' });
    const fromArguments = await buildPlan(config, { since: SINCE, until: UNTIL, localShare: 0.9, kwhUsd: 0.1, hoursPerDay: 12, maintenanceHourlyUsd: 0, growth: [1, 3] });
    expect(fromArguments.inputs).toMatchObject({ localShare: 0.9, kwhUsd: 0.1, hoursPerDay: 12, maintenanceHoursPerMonth: 1, maintenanceHourlyUsd: 0, growth: [1, 3] });
    expect(fromArguments.origins).toEqual({ localShare: 'argument', kwhUsd: 'argument', hoursPerDay: 'argument', maintenance: 'argument', growth: 'argument' });
  });

  it('with an empty window: no traffic, share 0, and a plan that says so', async () => {
    const plan = await buildPlan(deps(), { since: Date.parse('2025-01-01T00:00:00Z'), until: Date.parse('2025-01-31T00:00:00Z') });
    expect(plan.inputs.traffic).toEqual([]);
    expect(plan.inputs.localShare).toBe(0);
    expect(plan.origins.localShare).toBe('none');
    expect(plan.warnings).toEqual([expect.stringMatching(/^No traffic/)]);
    expect(plan.options.every((option) => option.scenarios.every((scenario) => scenario.cloudOnlyUsd === 0))).toBe(true);
  });
});

const WHAT_IF = `
tasks:
  kb-analysis:
    requests: 24000
    inputTokens: 72000000
    outputTokens: 12000000
    reference: anthropic/claude-sonnet-5-5
  summary:
    requests: 12000
    inputTokens: 24000000
    outputTokens: 1800000
`;

describe('what-if files', () => {
  it('prices each task with the price book: the reference model named, else pricing.reference', async () => {
    const whatIf = parseWhatIf(WHAT_IF, 'team.yaml', priceBook, AT);
    expect(whatIf.localShare).toBeUndefined();
    expect(whatIf.tasks.map((task) => [task.task, task.referenceModel])).toEqual([
      ['kb-analysis', 'anthropic/claude-sonnet-5-5'],
      ['summary', 'anthropic/claude-haiku-5-5'],
    ]);
    // 72 × 2 + 12 × 10; 24 × 0.10 + 1.8 × 0.50.
    expect(whatIf.tasks[0]!.referenceCostUsd).toBeCloseTo(264, 9);
    expect(whatIf.tasks[1]!.referenceCostUsd).toBeCloseTo(3.3, 9);
    const plan = await buildPlan(deps(), { since: SINCE, until: UNTIL, whatIf, localShare: 0.75 });
    expect(plan.source).toEqual({ kind: 'what-if', file: 'team.yaml' });
    expect(plan.monthly.referenceCostUsd).toBeCloseTo(267.3, 9);
  });

  it('prices the average request, so a prompt-size tier applies as it would to the real calls', () => {
    // Haiku 5.5 bills a whole request above 100k prompt tokens at 0.50 / 2.50.
    const whatIf = parseWhatIf('tasks: { long: { requests: 10, inputTokens: 1500000, outputTokens: 10000, reference: anthropic/claude-haiku-5-5 } }', 'x', priceBook, AT);
    expect(whatIf.tasks[0]!.referenceCostUsd).toBeCloseTo(1.5 * 0.5 + 0.01 * 2.5, 9);
  });

  it('reads JSON too, takes a known cost instead of a model, and the file’s share unless an argument overrides it', async () => {
    const whatIf = parseWhatIf('{"localShare": 0.6, "tasks": {"x": {"requests": 5, "inputTokens": 10, "outputTokens": 2, "referenceCostUsd": 12.5}}}', 'x.json', priceBook, AT);
    expect(whatIf.tasks).toEqual([{ task: 'x', referenceModel: null, requests: 5, inputTokens: 10, outputTokens: 2, referenceCostUsd: 12.5 }]);
    expect((await buildPlan(deps({ planning: { localShare: 0.1 } }), { since: 0, until: 1, whatIf })).inputs.localShare).toBe(0.6);
    expect((await buildPlan(deps(), { since: 0, until: 1, whatIf, localShare: 0.2 })).origins.localShare).toBe('argument');
  });

  it('needs a local share from somewhere', async () => {
    const whatIf = parseWhatIf(WHAT_IF, 'team.yaml', priceBook, AT);
    await expect(buildPlan(deps(), { since: 0, until: 1, whatIf })).rejects.toThrow(PlanInputError);
    await expect(buildPlan(deps(), { since: 0, until: 1, whatIf })).rejects.toThrow(/set localShare in the file, planning\.localShare in the config, or pass --local-share/);
    expect((await buildPlan(deps({ planning: { localShare: 0.4 } }), { since: 0, until: 1, whatIf })).origins.localShare).toBe('planning.localShare');
  });

  it('names the path of every mistake', () => {
    const issues = (text: string) => {
      try {
        parseWhatIf(text, 'bad.yaml', priceBook, AT);
      } catch (error) {
        expect(error).toBeInstanceOf(WhatIfError);
        return (error as WhatIfError).issues;
      }
      throw new Error('expected a WhatIfError');
    };
    expect(issues('tasks: { kb: { requests: -1, inputTokens: "many", outputTokens: 5, extra: 1 } }')).toEqual([
      'tasks.kb.requests: expected 0 or more requests',
      'tasks.kb.inputTokens: expected a number of prompt tokens a month',
      'tasks.kb: Unrecognized key: "extra"',
    ]);
    expect(issues('localShare: 1.5\ntasks: {}')).toEqual(['localShare: expected a share from 0 to 1']);
    expect(issues('nothing: here')).toEqual(['tasks: expected tasks: a map of task name to requests, inputTokens, outputTokens', '(root): Unrecognized key: "nothing"']);
    expect(issues('tasks: { a: { requests: 0, inputTokens: 5, outputTokens: 0 } }')).toEqual(['tasks.a.requests: expected at least 1 request a month when there are tokens']);
    expect(issues('tasks: { a: { requests: 1, inputTokens: 5, outputTokens: 0, reference: anthropic/x, referenceCostUsd: 1 } }')).toEqual(['tasks.a.referenceCostUsd: give reference or referenceCostUsd, not both']);
    expect(issues('tasks: { kb: { requests: 1, inputTokens: 5, outputTokens: 0 } }')).toEqual([
      'tasks.kb: name a reference model (reference: provider/model) or give referenceCostUsd; pricing.reference has none for this task',
    ]);
    expect(issues('tasks: { kb: { requests: 1, inputTokens: 5, outputTokens: 0, reference: anthropic/claude-nonexistent-9 } }')).toEqual([
      'tasks.kb.reference: price unknown for anthropic/claude-nonexistent-9: add it under pricing.models',
    ]);
    expect(issues('tasks: [1, 2')[0]).toMatch(/^not valid YAML or JSON/);
  });
});
