/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real
 * gateway whose ledger holds 30 days of records: it logs in with the admin key, shows the same
 * figures as the APIs, draws its charts, picks up a new request without a reload, and fits a phone.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageReport, SavingsReport } from '../../ledger/reports.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import { generateRecords } from '../../ledger/store/testing/generate-records.js';
import { startStack, type Stack } from '../../test-support/stack.js';
import type { DashboardData } from './dashboard-data.js';
import type { Scorecard } from '../../planning/scorecard/score-trial.js';
import type { PlanReport } from '../../planning/roi/index.js';

/*
 * The browser globals the functions run in the page use. The project compiles without the DOM
 * library (the gateway runs on Node), so they are declared here, for this module only.
 */
interface PageElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly right: number };
}
interface PageCanvas extends PageElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { readonly data: Uint8ClampedArray } } | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  readonly documentElement: { readonly scrollWidth: number };
};
declare const sessionStorage: { getItem(key: string): string | null };
declare const window: { marker?: number };

const ADMIN_KEY = 'dashboard-browser-test-admin-key';
const DAY = 86_400_000;
const SCREENSHOTS = resolve('test-results', 'dashboard');
const ledgerFile = join(tmpdir(), `tollgate-dashboard-${process.pid}-${Date.now()}.db`);

let stack: Stack;
let browser: Browser;
let page: Page;
/** Console errors and uncaught exceptions of the page, checked at the end of every test. */
const problems: string[] = [];

beforeAll(async () => {
  // Seed through the store (so the rollups are built) before the gateway opens it.
  const now = Date.now();
  const todayStart = Math.floor(now / DAY) * DAY;
  const seed = await openLedgerStore(ledgerFile);
  await seed.append(generateRecords(4_000, { seed: 5, start: now - 30 * DAY, spanMs: 30 * DAY - 60_000, idPrefix: 'month', payloadShare: 0 }));
  await seed.append(generateRecords(300, { seed: 6, start: todayStart, spanMs: Math.max(1, now - todayStart - 1_000), idPrefix: 'today', payloadShare: 0 }));
  await seed.close();

  stack = await startStack({
    config: () => ({
      admin: { key: ADMIN_KEY },
      ledger: { url: ledgerFile, flushIntervalMs: 10, spillFile: `${ledgerFile}.spill.jsonl` },
      pricing: { local: { hardware: { priceUsd: 1200, months: 36 } } },
      budgets: { global: { monthlyUsd: 500, mode: 'soft' }, teams: { search: { dailyUsd: 5, mode: 'hard' } } },
      // A trial wholly in the past, so the scorecard does not move while the tests run.
      planning: { trial: { start: new Date(todayStart - 20 * DAY).toISOString(), days: 10 } },
    }),
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  for (const suffix of ['', '-wal', '-shm', '.spill.jsonl']) rmSync(`${ledgerFile}${suffix}`, { force: true });
});

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.gateway.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

/** A headline figure as the page shows it: its text and the raw number behind it. */
async function figure(name: string): Promise<{ text: string; value: number | null }> {
  const node = page.locator(`[data-figure="${name}"]`);
  const raw = await node.getAttribute('data-value');
  return { text: (await node.textContent()) ?? '', value: raw === null || raw === '' ? null : Number(raw) };
}

/** Within a millionth: a month's projection read a few seconds apart. */
const closeTo = (a: number, b: number) => Math.abs(a - b) <= Math.abs(b) * 1e-6;

// The page's formatting, restated: a change to how figures read must be deliberate.
const usd = (value: number) =>
  value !== 0 && Math.abs(value) < 0.01
    ? new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 }).format(value)
    : new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
const percent = (value: number) => new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
const count = (value: number) => new Intl.NumberFormat('en-US').format(value);
const duration = (value: number | null, ceiling: number): string => {
  if (value === null) return '—';
  if (value >= ceiling) return `≥ ${duration(ceiling, Number.POSITIVE_INFINITY)}`;
  return value >= 10_000 ? `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(value / 1000)} s` : `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(value)} ms`;
};

describe('the dashboard in chromium', () => {
  it('asks for the admin key, then shows figures equal to /api/dashboard, /api/usage and /api/savings', async () => {
    await page.goto(`${stack.gateway.url}/dashboard`);
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.locator('#board').isHidden()).toBe(true);
    await page.fill('#admin-key', ADMIN_KEY);
    await page.click('#login-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-figure="requestsToday"]')?.getAttribute('data-value'));
    expect(await page.evaluate(() => sessionStorage.getItem('tollgate.adminKey'))).toBe(ADMIN_KEY);

    const now = Date.now();
    const today = new Date(Math.floor(now / DAY) * DAY).toISOString();
    const monthStart = new Date(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)).toISOString();
    const [dashboard, usageToday, usageMonth, savings] = await Promise.all([
      api<DashboardData>('/api/dashboard'),
      api<UsageReport>(`/api/usage?since=${today}&by=day`),
      api<UsageReport>(`/api/usage?since=${monthStart}&by=local`),
      api<SavingsReport>(`/api/savings?since=${monthStart}&period=month`),
    ]);
    const h = dashboard.headline;
    expect(h.requestsToday).toBeGreaterThan(0);

    // What the page shows is what /api/dashboard says...
    const shown = {
      spendTodayUsd: await figure('spendTodayUsd'),
      spendMonthUsd: await figure('spendMonthUsd'),
      savingsMonthUsd: await figure('savingsMonthUsd'),
      projectedSavingsMonthUsd: await figure('projectedSavingsMonthUsd'),
      localRequestShare: await figure('localRequestShare'),
      fallbacksToday: await figure('fallbacksToday'),
      requestsToday: await figure('requestsToday'),
      localUptime: await figure('localUptime'),
    };
    expect(shown.spendTodayUsd).toEqual({ text: usd(h.spendTodayUsd), value: h.spendTodayUsd });
    expect(shown.spendMonthUsd).toEqual({ text: usd(h.spendMonthUsd), value: h.spendMonthUsd });
    expect(shown.savingsMonthUsd).toEqual({ text: usd(h.savingsMonthUsd), value: h.savingsMonthUsd });
    expect(shown.localRequestShare).toEqual({ text: percent(h.localRequestShare!), value: h.localRequestShare });
    expect(shown.fallbacksToday).toEqual({ text: count(h.fallbacksToday), value: h.fallbacksToday });
    expect(shown.requestsToday).toEqual({ text: count(h.requestsToday), value: h.requestsToday });
    expect(shown.localUptime.value).toBe(h.localUptime);
    // The projection moves with the clock between two reads; the rest must be identical.
    expect(closeTo(shown.projectedSavingsMonthUsd.value!, h.projectedSavingsMonthUsd)).toBe(true);

    // ...and what the usage and savings APIs say.
    expect(shown.requestsToday.value).toBe(usageToday.totals.requests);
    expect(shown.fallbacksToday.value).toBe(usageToday.totals.fallbacks);
    expect(shown.spendTodayUsd.value).toBeCloseTo(usageToday.totals.costUsd, 9);
    expect(shown.spendTodayUsd.text).toBe(usd(usageToday.totals.costUsd));
    expect(shown.spendMonthUsd.value).toBeCloseTo(usageMonth.totals.costUsd, 9);
    expect(shown.spendMonthUsd.text).toBe(usd(usageMonth.totals.costUsd));
    const localMonth = usageMonth.rows.find((row) => row.group.local === true)?.requests ?? 0;
    expect(shown.localRequestShare.value).toBe(localMonth / usageMonth.totals.requests);
    expect(shown.savingsMonthUsd.value).toBe(savings.month.savingsUsd);
    expect(shown.savingsMonthUsd.text).toBe(usd(savings.month.savingsUsd));
    expect(closeTo(shown.projectedSavingsMonthUsd.value!, savings.month.projectedSavingsUsd)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('draws the charts: uPlot canvases with the series colours on them', async () => {
    for (const id of ['chart-spend', 'chart-savings', 'chart-fallbacks']) {
      await page.locator(`#${id} .uplot canvas`).waitFor();
    }
    // Pixels of the cloud bars' colour (#5b6cc9) on the spend chart, and of the savings line (#1f8a70).
    const coloured = await page.evaluate(() => {
      const countColour = (selector: string, [r, g, b]: [number, number, number]) => {
        const canvas = document.querySelector(selector) as PageCanvas;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let found = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b && pixels[i + 3] === 255) found++;
        return found;
      };
      return { cloudBars: countColour('#chart-spend canvas', [0x5b, 0x6c, 0xc9]), savingsLine: countColour('#chart-savings canvas', [0x1f, 0x8a, 0x70]) };
    });
    expect(coloured.cloudBars).toBeGreaterThan(100);
    expect(coloured.savingsLine).toBeGreaterThan(100);
    expect(await page.locator('#split-task .split-row').count()).toBeGreaterThan(1);
    expect(await page.locator('#latency tbody tr').count()).toBeGreaterThan(1);
    expect(await page.locator('#budgets li').allTextContents()).toEqual([expect.stringContaining('Everything · this month · soft'), expect.stringContaining('team search · today · hard')]);
    expect(await page.locator('#panel-quality').textContent()).toContain('Quality per task');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-1280.png'), fullPage: true });
    console.log(`dashboard screenshot: ${join(SCREENSHOTS, 'dashboard-1280.png')}`);
    expect(problems).toEqual([]);
  });

  it('shows latency and TTFT percentiles per target, as /api/dashboard has them', async () => {
    const { latency } = await api<DashboardData>('/api/dashboard');
    const busiest = latency.targets[0]!;
    expect(busiest.window.latencyMsP95).not.toBeNull();
    const row = page.locator('#latency tbody tr').first();
    expect(await row.locator('th').textContent()).toContain(busiest.target);
    const shown = await row.locator('td').allTextContents();
    const period = (figures: DashboardData['latency']['targets'][number]['window']) => [
      count(figures.requests),
      duration(figures.latencyMsP50, latency.percentileCeilingMs),
      duration(figures.latencyMsP95, latency.percentileCeilingMs),
      duration(figures.ttftMsP50, latency.percentileCeilingMs),
      duration(figures.ttftMsP95, latency.percentileCeilingMs),
    ];
    expect(shown.slice(0, 10)).toEqual([...period(busiest.last24h), ...period(busiest.window)]);
    expect(shown.slice(11)).toEqual([count(busiest.window.fallbacks), count(busiest.window.errors)]);
    expect(problems).toEqual([]);
  });

  it('shows a new request within seconds, without a reload', async () => {
    const before = (await figure('requestsToday')).value!;
    const marker = await page.evaluate(() => (window.marker = Math.random()));
    const openai = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const answer = await openai.chat.completions.create({ model: 'kb-analysis', messages: [{ role: 'user', content: 'Hello from the dashboard test' }] });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    await page.waitForFunction((expected) => Number(document.querySelector('[data-figure="requestsToday"]')?.getAttribute('data-value')) === expected, before + 1, { timeout: 10_000 });
    // Same document: the page updated itself.
    expect(await page.evaluate(() => window.marker)).toBe(marker);
    expect(problems).toEqual([]);
  });

  it('fits a phone: 390 px wide, no sideways scrolling, charts resized', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => {
      const canvases = [...document.querySelectorAll('.chart canvas')];
      return canvases.length === 3 && canvases.every((canvas) => canvas.getBoundingClientRect().right <= 390);
    });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const cards = await page.locator('.card').evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().right));
    expect(Math.max(...cards)).toBeLessThanOrEqual(390);
    // The latency table is wider than a phone: it scrolls sideways inside its card, the page does not.
    const table = await page.locator('#panel-latency .table-scroll').evaluate((node) => ({ right: node.getBoundingClientRect().right, scrollWidth: node.scrollWidth, clientWidth: node.clientWidth }));
    expect(table.right).toBeLessThanOrEqual(390);
    expect(table.scrollWidth).toBeGreaterThan(table.clientWidth);
    // Scrolled to its far end, the target's name stays in view and leaves room for the figures.
    await page.locator('#panel-latency .table-scroll').evaluate((node) => node.scrollBy({ left: 10_000 }));
    const [name, errors] = await Promise.all(
      ['#latency tbody tr:first-child th', '#latency tbody tr:first-child td:last-child'].map((selector) => page.locator(selector).evaluate((node) => node.getBoundingClientRect())),
    );
    expect(name!.left).toBeGreaterThanOrEqual(0);
    expect(name!.right).toBeLessThanOrEqual(390 / 2);
    expect(errors!.right).toBeLessThanOrEqual(390);
    await page.locator('#panel-latency').screenshot({ path: join(SCREENSHOTS, 'latency-390-scrolled.png') });
    const path = join(SCREENSHOTS, 'dashboard-390.png');
    await page.screenshot({ path, fullPage: true });
    console.log(`dashboard screenshot (phone): ${path}`);
    expect(problems).toEqual([]);
  });

  it('draws the ROI panel: cumulative net per GPU option, and a table equal to /api/plan', async () => {
    // A fresh page fetches a fresh plan (the panel asks for one at most once a minute).
    await page.reload();
    await page.locator('#roi-table tbody tr').first().waitFor();
    await page.locator('#chart-roi .uplot canvas').waitFor();
    // The same window the panel's plan covered, so both plans read the same rollups.
    const panel = page.locator('#panel-roi');
    const plan = await api<PlanReport>(`/api/plan?since=${await panel.getAttribute('data-since')}&until=${await panel.getAttribute('data-until')}`);
    expect(plan.monthly.requests).toBeGreaterThan(0);
    expect(await panel.getAttribute('data-growth')).toBe(String(plan.inputs.growth[0]));
    const dollars = (value: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
    const rows = page.locator('#roi-table tbody tr');
    expect(await rows.count()).toBe(plan.options.length);
    for (const [i, option] of plan.options.entries()) {
      const row = rows.nth(i);
      const scenario = option.scenarios[0]!;
      const cell = async (name: string) => {
        const node = row.locator(`[data-figure-roi="${name}"]`);
        const raw = await node.getAttribute('data-value');
        return { text: (await node.textContent()) ?? '', value: raw === null || raw === '' ? null : Number(raw) };
      };
      expect(await row.getAttribute('data-option')).toBe(option.hardware.id);
      expect(await row.locator('th').textContent()).toContain(option.hardware.name);
      expect(await cell('priceUsd')).toEqual({ text: dollars(option.hardware.priceUsd), value: option.hardware.priceUsd });
      expect(await cell('savingsUsd')).toEqual({ text: dollars(scenario.savingsUsd), value: scenario.savingsUsd });
      expect(await cell('netYear1Usd')).toEqual({ text: dollars(scenario.netYear1Usd), value: scenario.netYear1Usd });
      expect(await cell('netYear5Usd')).toEqual({ text: dollars(scenario.netYear5Usd), value: scenario.netYear5Usd });
      const month = scenario.breakEvenMonth;
      expect(await cell('breakEvenMonth')).toEqual({ text: month === null ? 'never' : month === 0 ? 'now' : `month ${month}`, value: month });
      expect((await cell('localShareToBreakEven')).value).toBe(scenario.localShareToBreakEven);
    }
    // One line per option plus the break-even line, in the legend and on the canvas.
    expect(await page.locator('#chart-roi .u-legend .u-series').count()).toBe(plan.options.length + 2);
    const firstLine = await page.evaluate(() => {
      const canvas = document.querySelector('#chart-roi canvas') as PageCanvas;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let found = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] === 0x5b && pixels[i + 1] === 0x6c && pixels[i + 2] === 0xc9 && pixels[i + 3] === 255) found++;
      return found;
    });
    expect(firstLine).toBeGreaterThan(100);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.locator('#panel-roi').screenshot({ path: join(SCREENSHOTS, 'roi-panel-390.png') });
    expect(problems).toEqual([]);
  });

  it('shows the trial scorecard: the verdict and every line of /api/scorecard', async () => {
    await page.locator('#scorecard-verdict').waitFor();
    const card = await api<Scorecard>('/api/scorecard');
    const panel = page.locator('#panel-scorecard');
    expect(await panel.locator('#scorecard-verdict').getAttribute('data-verdict')).toBe(card.verdict);
    expect(await panel.locator('#scorecard-verdict').textContent()).toBe(card.recommendation);
    expect(await panel.locator('#scorecard-why').textContent()).toBe(card.why);
    const lines = panel.locator('li[data-criterion]');
    expect(await lines.evaluateAll((nodes) => nodes.map((node) => [node.getAttribute('data-criterion'), node.getAttribute('data-status')]))).toEqual(
      card.lines.map((line) => [line.id, line.status]),
    );
    expect(await lines.locator('.criterion').allTextContents()).toEqual(card.lines.map((line) => line.criterion));
    expect(await lines.locator('.measured').allTextContents()).toEqual(card.lines.map((line) => line.measured));
    expect(await lines.locator('.evidence').allTextContents()).toEqual(card.lines.map((line) => line.evidence));
    expect(await lines.locator('.source').allTextContents()).toEqual(card.lines.map((line) => `source: ${line.source}`));
    // The seeded month has traffic and savings in the trial's window: the panel is not showing an empty scorecard.
    expect(card.lines.find((line) => line.id === 'savings')?.status).not.toBe('not-measured');
    await panel.screenshot({ path: join(SCREENSHOTS, 'scorecard-panel.png') });
    expect(problems).toEqual([]);
  });
});
