/* global document, fetch, ResizeObserver, requestAnimationFrame */
/**
 * The dashboard's "ROI per GPU option" panel: cumulative net over 60 months per hardware option
 * and a small table, from GET /api/plan (the ROI planner over the last 30 days of the ledger,
 * scaled to a month; `tollgate plan` prints the same document with every input). A plain browser
 * ES module; dashboard.js calls `refreshRoiPanel(headers)` after each poll, and the plan is fetched
 * again at most once a minute. Text from the config (hardware names) only goes into textContent.
 */
import uPlot from 'uplot';
import { el } from './dom.js';

const REFRESH_MS = 60_000;
const WINDOW = '30d';
const COLORS = ['#5b6cc9', '#1f8a70', '#b9770e', '#8e44ad', '#c0392b', '#2e86c1', '#7f8c8d'];

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const compactMoney = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumSignificantDigits: 3 });
const kwh = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

const usd = (value) => money.format(value);
const breakEven = (month) => (month === null ? 'never' : month === 0 ? 'now' : `month ${month}`);

let lastFetch = -Infinity;
let inFlight = false;
let plan = null;
let growthIndex = 0;
let chart = null;
let chartKey = '';
let observed = false;

/** Builds the panel's parts once, inside the page's `#panel-roi` section. */
function parts() {
  const panel = document.getElementById('panel-roi');
  if (!panel) return null;
  let body = panel.querySelector('.roi-body');
  if (!body) {
    panel.classList.remove('placeholder');
    panel.classList.add('wide');
    for (const node of [...panel.children]) if (node.tagName !== 'H2') node.remove();
    const select = el('select', { id: 'roi-growth', 'aria-label': 'Traffic volume' });
    select.addEventListener('change', () => {
      growthIndex = Number(select.value);
      draw();
    });
    body = el(
      'div',
      { class: 'roi-body' },
      el('p', { class: 'note', id: 'roi-basis' }),
      el('label', { class: 'note', for: 'roi-growth', text: 'Volume: ' }, select),
      el('div', { class: 'roi-chart', id: 'chart-roi' }),
      el('div', { class: 'table-scroll' }, el('table', { id: 'roi-table' })),
      el('p', { class: 'note', id: 'roi-note' }),
    );
    panel.append(body);
  }
  return { panel, select: panel.querySelector('#roi-growth'), basis: panel.querySelector('#roi-basis'), chart: panel.querySelector('#chart-roi'), table: panel.querySelector('#roi-table'), note: panel.querySelector('#roi-note') };
}

/** Fetches the plan when the last one is a minute old; `headers` carry the admin key as dashboard.js sends it. */
export async function refreshRoiPanel(headers, now = Date.now()) {
  if (inFlight || now - lastFetch < REFRESH_MS) return;
  const ui = parts();
  if (!ui) return;
  inFlight = true;
  try {
    const response = await fetch(`/api/plan?since=${WINDOW}`, { headers, cache: 'no-store' });
    if (!response.ok) {
      // 401/403 are the dashboard's to handle (it asks for the key); anything else is said here.
      if (response.status !== 401 && response.status !== 403) ui.note.textContent = `The plan could not be computed (the gateway answered ${response.status}).`;
      return;
    }
    plan = await response.json();
    lastFetch = now;
    growthIndex = Math.min(growthIndex, plan.inputs.growth.length - 1);
    draw();
  } catch {
    ui.note.textContent = 'Cannot reach the gateway for the plan; retrying with the next update.';
  } finally {
    inFlight = false;
  }
}

function draw() {
  const ui = parts();
  if (!ui || !plan) return;
  const { inputs, monthly, source } = plan;
  const growth = inputs.growth[growthIndex];

  ui.select.replaceChildren(...inputs.growth.map((factor, index) => el('option', { value: String(index), text: factor === 1 ? 'today’s (1×)' : `${factor}× today’s` })));
  ui.select.value = String(growthIndex);
  const from = source.kind === 'ledger' ? `last ${WINDOW} (${source.since.slice(0, 10)} → ${source.until.slice(0, 10)}) scaled to a month` : `what-if ${source.file}`;
  ui.basis.textContent =
    `Traffic: ${from} · cloud-only ${usd(monthly.referenceCostUsd * growth)}/month at ${growth}× · ` +
    `local share ${percent.format(inputs.localShare)} (${plan.origins.localShare === 'ledger' ? 'measured' : plan.origins.localShare}) · ` +
    `electricity ${kwh.format(inputs.kwhUsd)}/kWh · maintenance ${usd(monthly.maintenanceUsd)}/month`;
  ui.panel.dataset.since = source.kind === 'ledger' ? source.since : '';
  ui.panel.dataset.until = source.kind === 'ledger' ? source.until : '';
  ui.panel.dataset.growth = String(growth);

  drawChart(ui.chart, growthIndex);
  drawTable(ui.table, growthIndex);
  const warnings = plan.warnings.filter((warning) => !warning.startsWith('Scaled to a month'));
  ui.note.textContent =
    (monthly.requests === 0 ? 'No traffic in the last 30 days: nothing to move to a local GPU yet. ' : '') +
    `Break-even is the first month whose savings cover the price; “share for 24 mo” is the local share that would pay for the option within two years. ${warnings.join(' ')}`.trim();
}

function chartHeight(width) {
  return width < 500 ? 200 : 260;
}

function drawChart(container, index) {
  const months = Array.from({ length: plan.horizonMonths + 1 }, (_, m) => m);
  const data = [months, ...plan.options.map((option) => option.scenarios[index].cumulativeNetUsd), months.map(() => 0)];
  // A new set of options (a config reload) needs a new chart; otherwise new data is enough.
  const key = plan.options.map((option) => option.hardware.id).join(',');
  if (chart && key === chartKey) {
    chart.setData(data);
    return;
  }
  chart?.destroy();
  chartKey = key;
  const width = container.clientWidth || 320;
  chart = new uPlot(
    {
      width,
      height: chartHeight(width),
      cursor: { points: { show: false } },
      scales: { x: { time: false } },
      axes: [
        { label: 'months', values: (_u, splits) => splits.map((value) => (Number.isInteger(value) ? String(value) : '')) },
        { size: 64, values: (_u, splits) => splits.map((value) => compactMoney.format(value)) },
      ],
      series: [
        { label: 'month', value: (_u, value) => (value === null ? '—' : `month ${value}`) },
        ...plan.options.map((option, i) => ({ label: option.hardware.name, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false }, value: (_u, value) => (value === null ? '—' : usd(value)) })),
        { label: 'break-even', stroke: '#5d6a65', width: 1, dash: [6, 4], points: { show: false }, value: () => usd(0) },
      ],
    },
    data,
    container,
  );
  // The page's stylesheet sizes legends inside `.chart`; this chart is not one (the page counts those).
  const legend = container.querySelector('.u-legend');
  if (legend) legend.style.fontSize = '0.8rem';
  if (observed) return;
  observed = true;
  let pending = false;
  new ResizeObserver(() => {
    if (pending || !chart) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const next = container.clientWidth;
      if (chart && next > 0 && next !== chart.width) chart.setSize({ width: next, height: chartHeight(next) });
    });
  }).observe(container);
}

/** A cell showing `text`, with the raw number in data-value for tools and tests. */
function figure(name, value, text) {
  return el('td', { class: 'num', 'data-figure-roi': name, 'data-value': value === null ? '' : String(value), text });
}

function drawTable(table, index) {
  const head = el(
    'thead',
    {},
    el('tr', {}, ...['Option', 'Price', 'Saved / month', 'Break-even', 'Net year 1', 'Net 5 years', 'Share for 24 mo'].map((title, i) => el('th', { scope: 'col', class: i === 0 ? '' : 'num', text: title }))),
  );
  const rows = plan.options.map((option, i) => {
    const scenario = option.scenarios[index];
    const swatch = el('span', { class: 'roi-swatch', 'aria-hidden': 'true', text: '■ ' });
    swatch.style.color = COLORS[i % COLORS.length];
    const share = scenario.localShareToBreakEven;
    return el(
      'tr',
      { 'data-option': option.hardware.id },
      el('th', { scope: 'row' }, swatch, option.hardware.name, scenario.fits ? null : el('span', { class: 'tag roi-over', text: 'over capacity', title: `needs ${Math.round(scenario.busyHours)} h of generation a month; the box is on ${Math.round(scenario.hoursOn)} h` })),
      figure('priceUsd', option.hardware.priceUsd, usd(option.hardware.priceUsd)),
      figure('savingsUsd', scenario.savingsUsd, usd(scenario.savingsUsd)),
      figure('breakEvenMonth', scenario.breakEvenMonth, breakEven(scenario.breakEvenMonth)),
      figure('netYear1Usd', scenario.netYear1Usd, usd(scenario.netYear1Usd)),
      figure('netYear5Usd', scenario.netYear5Usd, usd(scenario.netYear5Usd)),
      figure('localShareToBreakEven', share, share === null ? 'none' : share > 1 ? `${percent.format(share)} (>100%)` : percent.format(share)),
    );
  });
  table.replaceChildren(head, el('tbody', {}, ...rows));
  for (const tag of table.querySelectorAll('.roi-over')) tag.style.background = '#c0392b';
}
