/**
 * `GET /api/plan` on a real gateway over the simulators: requests answered locally and in the cloud
 * become ledger records, and the plan reads them back from the rollups, as `/api/usage` does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageReport } from '../../ledger/reports.js';
import type { PlanReport } from '../../planning/roi/index.js';
import { startStack, type Stack } from '../../test-support/stack.js';

const ADMIN_KEY = 'plan-route-test-admin-key-0123';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const HOUR = 3_600_000;

let stack: Stack;
let since: string;
let until: string;

async function get<T>(url: string, headers: Record<string, string> = admin): Promise<{ status: number; body: T }> {
  const response = await stack.gateway.app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json() as T };
}

beforeAll(async () => {
  stack = await startStack({ config: () => ({ admin: { key: ADMIN_KEY }, pricing: { local: { kwhUsd: 0.3 } }, planning: { hardware: { 'rtx-3090': { priceUsd: 999 } } } }) });
  const start = Date.now();
  since = new Date(Math.floor(start / HOUR) * HOUR).toISOString();
  for (const model of ['kb-analysis', 'kb-analysis', 'agent', 'cloud-fast']) {
    const response = await stack.gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'x-tollgate-task': model === 'agent' ? 'agent' : 'kb-analysis' },
      payload: { model, max_tokens: 32, messages: [{ role: 'user', content: 'Summarise the quarterly report in three lines.' }] },
    });
    expect(response.statusCode).toBe(200);
  }
  until = new Date(Math.ceil((Date.now() + 1) / HOUR) * HOUR).toISOString();
});
afterAll(() => stack?.close());

describe('GET /api/plan', () => {
  it('plans from the same rollups /api/usage reads, scaled to a month', async () => {
    const [{ status, body: plan }, { body: usage }] = await Promise.all([
      get<PlanReport>(`/api/plan?since=${since}&until=${until}`),
      get<UsageReport>(`/api/usage?since=${since}&until=${until}&by=local`),
    ]);
    expect(status).toBe(200);
    expect(plan.source).toMatchObject({ kind: 'ledger', since, until: new Date(Date.parse(until)).toISOString() });
    const scale = plan.source.kind === 'ledger' ? plan.source.monthScale : NaN;
    expect(scale).toBeCloseTo(730 / ((Date.parse(until) - Date.parse(since)) / HOUR), 9);
    expect(plan.monthly.requests).toBeCloseTo(usage.totals.requests * scale, 6);
    expect(plan.monthly.inputTokens).toBeCloseTo(usage.totals.inputTokens * scale, 6);
    expect(plan.monthly.outputTokens).toBeCloseTo(usage.totals.outputTokens * scale, 6);
    expect(plan.monthly.referenceCostUsd).toBeCloseTo(usage.totals.referenceCostUsd * scale, 12);
    const local = usage.rows.find((row) => row.group.local === true)!;
    expect(plan.inputs.localShare).toBeCloseTo(local.referenceCostUsd / usage.totals.referenceCostUsd, 12);
    expect(plan.origins.localShare).toBe('ledger');
    expect(plan.inputs.traffic.map((task) => task.task).sort()).toEqual(['agent', 'kb-analysis']);
    // pricing.local's electricity price; planning.hardware over the catalogue.
    expect(plan.inputs.kwhUsd).toBe(0.3);
    expect(plan.inputs.hardware.find((option) => option.id === 'rtx-3090')?.priceUsd).toBe(999);
  });

  it('gives every option a 61-point cumulative-net series per growth factor, from −price', async () => {
    const { body: plan } = await get<PlanReport>(`/api/plan?since=${since}&until=${until}&localShare=0.7&growth=1,3,10`);
    expect(plan.inputs.growth).toEqual([1, 3, 10]);
    expect(plan.inputs.localShare).toBe(0.7);
    expect(plan.options.map((option) => option.hardware.id)).toEqual(['rtx-3090', 'rtx-4090', 'rtx-4060-ti-16gb', 'existing']);
    for (const option of plan.options) {
      expect(option.scenarios.map((scenario) => scenario.growth)).toEqual([1, 3, 10]);
      for (const scenario of option.scenarios) {
        expect(scenario.cumulativeNetUsd).toHaveLength(61);
        expect(scenario.cumulativeNetUsd[0]).toBe(0 - option.hardware.priceUsd);
        expect(scenario.cumulativeNetUsd[60]).toBeCloseTo(scenario.netYear5Usd, 9);
      }
    }
  });

  it('takes the CLI’s knobs as query parameters', async () => {
    const { body: plan } = await get<PlanReport>(`/api/plan?since=${since}&until=${until}&kwhUsd=0.1&hoursPerDay=8&maintenanceHours=0&hourlyUsd=70`);
    expect(plan.inputs).toMatchObject({ kwhUsd: 0.1, hoursPerDay: 8, maintenanceHoursPerMonth: 0, maintenanceHourlyUsd: 70 });
    expect(plan.monthly.hoursOn).toBeCloseTo((8 * 365) / 12, 9);
    expect(plan.monthly.maintenanceUsd).toBe(0);
  });

  it('needs the admin key and refuses bad parameters with the parameter named', async () => {
    expect((await get('/api/plan', {})).status).toBe(401);
    const bad = async (query: string) => get<{ error: { param: string; message: string } }>(`/api/plan?${query}`);
    expect((await bad('localShare=1.5')).body.error).toMatchObject({ param: 'localShare', message: 'Bad query parameter localShare: expected a share from 0 to 1.' });
    expect((await bad('growth=1,-2')).body.error.param).toBe('growth');
    expect((await bad('hoursPerDay=30')).body.error.param).toBe('hoursPerDay');
    expect((await bad('since=yesterday')).body.error.param).toBe('since');
    expect((await bad('localShare=0.5')).status).toBe(200);
  });
});
