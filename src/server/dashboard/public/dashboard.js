/* global document, sessionStorage, fetch, setTimeout, clearTimeout, ResizeObserver, requestAnimationFrame */
/**
 * The Tollgate dashboard: polls /api/dashboard and draws it. A plain browser ES module (no build
 * step); uPlot comes through the page's import map. Text from the ledger (task and tier names come
 * from request headers) only ever goes into textContent, never into HTML.
 */
import uPlot from 'uplot';
import { el } from './dom.js';
import { refreshRoiPanel } from './roi-panel.js';
import { refreshScorecardPanel } from './scorecard-panel.js';

const KEY_STORAGE = 'tollgate.adminKey';
const POLL_MS = 2500;
const DAY_S = 86_400;
const COLORS = { local: '#1f8a70', cloud: '#5b6cc9', savings: '#1f8a70', price: '#c0392b', fallbacks: '#b9770e' };

const loginMode = document.querySelector('meta[name="tollgate-login"]')?.getAttribute('content') ?? 'open';

// ---- formatting: figures for humans ($12.34, 87.5%) -------------------------------------------

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const smallMoney = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 });
const compactMoney = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumSignificantDigits: 3 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const precisePercent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Dollars and cents; amounts under a cent keep two significant digits ($0.0042) rather than read $0.00. */
function usd(value) {
  if (value === null || value === undefined) return '—';
  return value !== 0 && Math.abs(value) < 0.01 ? smallMoney.format(value) : money.format(value);
}
const share = (value) => (value === null || value === undefined ? '—' : percent.format(value));
const uptimeShare = (value) => (value === null || value === undefined ? '—' : precisePercent.format(value));
const whole = (value) => (value === null || value === undefined ? '—' : count.format(value));
const ms = (value) => (value === null || value === undefined ? '—' : value >= 10_000 ? `${oneDecimal.format(value / 1000)} s` : `${count.format(value)} ms`);
const day = (iso) => dayFormat.format(new Date(`${iso}T00:00:00Z`));

/** How each headline figure is written; the raw number goes into data-value for tools and tests. */
const FIGURES = {
  spendTodayUsd: usd,
  spendMonthUsd: usd,
  savingsMonthUsd: usd,
  projectedSavingsMonthUsd: usd,
  localRequestShare: share,
  localUptime: uptimeShare,
  fallbacksToday: whole,
  requestsToday: whole,
};

// ---- small DOM helpers ------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function showOnly(id) {
  for (const section of ['login', 'denied', 'board']) $(section).hidden = section !== id;
  $('sign-out').hidden = !(id === 'board' && loginMode === 'key');
}

function setStatus(text, stale = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('stale', stale);
}

// ---- polling ----------------------------------------------------------------------------------

let timer;
let stopped = false;

function schedule() {
  clearTimeout(timer);
  // A hidden tab stops polling; becoming visible polls at once (below).
  if (!stopped && !document.hidden) timer = setTimeout(poll, POLL_MS);
}

async function poll() {
  clearTimeout(timer);
  const key = sessionStorage.getItem(KEY_STORAGE);
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  let response;
  try {
    response = await fetch('/api/dashboard', { headers, cache: 'no-store' });
  } catch {
    setStatus('Cannot reach the gateway; retrying…', true);
    schedule();
    return;
  }
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_STORAGE);
    showLogin(key ? 'That key was refused.' : '');
    return;
  }
  if (response.status === 403) {
    stopped = true;
    showOnly('denied');
    setStatus('');
    return;
  }
  if (!response.ok) {
    setStatus(`The gateway answered ${response.status}; retrying…`, true);
    schedule();
    return;
  }
  const data = await response.json();
  stopped = false;
  showOnly('board');
  render(data);
  void refreshRoiPanel(headers);
  void refreshScorecardPanel(headers);
  setStatus(`Live · updated ${timeFormat.format(new Date())} · today ${data.today}, month ${data.month} (UTC)`);
  schedule();
}

function showLogin(message) {
  stopped = true;
  showOnly('login');
  setStatus('');
  const error = $('login-error');
  error.textContent = message;
  error.hidden = !message;
  $('admin-key').focus();
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('admin-key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('admin-key').value = '';
  stopped = false;
  setStatus('Loading…');
  void poll();
});

$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  showLogin('');
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && !stopped) void poll();
});

// ---- rendering --------------------------------------------------------------------------------

function render(data) {
  const { headline } = data;
  for (const node of document.querySelectorAll('[data-figure]')) {
    const name = node.dataset.figure;
    const value = headline[name];
    node.textContent = FIGURES[name](value);
    node.dataset.value = value === null ? '' : String(value);
  }
  $('sub-spend-today').textContent = `${usd(data.series.cloudSpendUsd.at(-1))} cloud · ${usd(data.series.localSpendUsd.at(-1))} local energy`;
  $('sub-spend-month').textContent =
    `${usd(headline.cloudSpendMonthUsd)} cloud · ${usd(headline.localSpendMonthUsd)} local` + (headline.costUnknownMonth > 0 ? ` · ${whole(headline.costUnknownMonth)} unpriced` : '');
  $('sub-projected').textContent =
    headline.hardwareAmortizationMonthUsd > 0
      ? `${usd(headline.projectedNetSavingsMonthUsd)} after ${usd(headline.hardwareAmortizationMonthUsd)} GPU amortisation`
      : 'at this month’s pace';
  $('sub-local-tokens').textContent = `of requests · ${share(headline.localTokenShare)} of tokens, this month`;
  $('sub-requests-month').textContent = `${whole(headline.requestsMonth)} this month`;
  $('sub-uptime').textContent = `${headline.localUptime === null ? 'not measured · ' : ''}goal ${percent.format(headline.uptimeGoal)}`;
  const uptimeCard = $('card-uptime');
  uptimeCard.classList.toggle('ok', headline.localUptime !== null && headline.localUptime >= headline.uptimeGoal);
  uptimeCard.classList.toggle('bad', headline.localUptime !== null && headline.localUptime < headline.uptimeGoal);
  $('card-fallbacks').classList.toggle('warn', headline.fallbacksToday > 0);

  renderCharts(data.series);
  renderPayback(data.series.payback);
  renderSplits($('split-task'), data.routing.byTask, 'no task');
  renderSplits($('split-tier'), data.routing.byTier, 'no tier');
  renderLatency(data.latency);
  renderTargets(data.uptime);
  renderBudgets(data.budgets);
}

// ---- charts (uPlot) ---------------------------------------------------------------------------

const charts = {};

function chartHeight(width) {
  return width < 500 ? 180 : 230;
}

/** A chart that follows its container's width (phones, window resizes). */
function makeChart(container, options, data) {
  const width = container.clientWidth || 320;
  const chart = new uPlot({ ...options, width, height: chartHeight(width) }, data, container);
  let pending = false;
  new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const next = container.clientWidth;
      if (next > 0 && next !== chart.width) chart.setSize({ width: next, height: chartHeight(next) });
    });
  }).observe(container);
  return chart;
}

const bars = uPlot.paths.bars({ size: [0.7, 48], gap: 1 });

function timeOptions() {
  return {
    // Days are UTC days: label them so, whatever the viewer's time zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { points: { show: false } },
  };
}

const dayAxis = { space: 60, values: (_u, splits) => splits.map((ts) => dayFormat.format(new Date(ts * 1000)).replace(/ \d{4}$/, '')) };
const moneyAxis = { size: 64, values: (_u, splits) => splits.map((value) => compactMoney.format(value)) };
const paddedDays = (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2];
const fromZero = (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1];

function renderCharts(series) {
  const xs = series.days.map((iso) => Date.parse(`${iso}T00:00:00Z`) / 1000);
  // Stacked bars: the cloud bar is drawn as local + cloud, the local bar over it.
  const totals = series.localSpendUsd.map((local, i) => local + series.cloudSpendUsd[i]);
  const spendData = [xs, totals, series.localSpendUsd];
  if (!charts.spend) {
    charts.spend = makeChart(
      $('chart-spend'),
      {
        ...timeOptions(),
        scales: { x: { time: true, range: paddedDays }, y: { range: fromZero } },
        axes: [dayAxis, moneyAxis],
        series: [
          { value: (_u, ts) => (ts === null ? '—' : day(new Date(ts * 1000).toISOString().slice(0, 10))) },
          { label: 'Cloud', stroke: COLORS.cloud, fill: COLORS.cloud, paths: bars, points: { show: false }, value: (u, value, _s, i) => (value === null || i === null ? '—' : usd(u.data[1][i] - u.data[2][i])) },
          { label: 'Local energy', stroke: COLORS.local, fill: COLORS.local, paths: bars, points: { show: false }, value: (_u, value) => usd(value) },
        ],
      },
      spendData,
    );
  } else charts.spend.setData(spendData);

  const price = series.payback.gpuPriceUsd;
  const savingsData = [xs, series.cumulativeSavingsUsd, xs.map(() => price)];
  if (!charts.savings) {
    charts.savings = makeChart(
      $('chart-savings'),
      {
        ...timeOptions(),
        scales: {
          x: { time: true },
          // Keep the GPU's price in view: the distance to it is the point of this chart.
          y: { range: (u, min, max) => [Math.min(0, min), Math.max(max, u.data[2][0] ?? 0) * 1.08 || 1] },
        },
        axes: [dayAxis, moneyAxis],
        series: [
          { value: (_u, ts) => (ts === null ? '—' : day(new Date(ts * 1000).toISOString().slice(0, 10))) },
          { label: 'Saved, cumulative', stroke: COLORS.savings, width: 2, fill: 'rgba(31, 138, 112, 0.12)', value: (_u, value) => usd(value) },
          { label: 'GPU price', stroke: COLORS.price, width: 1.5, dash: [6, 4], points: { show: false }, value: (_u, value) => usd(value) },
        ],
      },
      savingsData,
    );
  } else charts.savings.setData(savingsData);

  const fallbackData = [xs, series.fallbacks];
  if (!charts.fallbacks) {
    charts.fallbacks = makeChart(
      $('chart-fallbacks'),
      {
        ...timeOptions(),
        scales: { x: { time: true, range: paddedDays }, y: { range: fromZero } },
        axes: [dayAxis, { size: 48, values: (_u, splits) => splits.map((value) => (Number.isInteger(value) ? count.format(value) : '')) }],
        series: [
          { value: (_u, ts) => (ts === null ? '—' : day(new Date(ts * 1000).toISOString().slice(0, 10))) },
          { label: 'Fallbacks', stroke: COLORS.fallbacks, fill: COLORS.fallbacks, paths: bars, points: { show: false }, value: (_u, value) => whole(value) },
        ],
      },
      fallbackData,
    );
  } else charts.fallbacks.setData(fallbackData);
}

function renderPayback(payback) {
  const note = $('payback-note');
  if (payback.gpuPriceUsd === null) {
    note.textContent = `${usd(payback.savedUsd)} saved since the ledger began. Set pricing.local.hardware (priceUsd, months) to see when the GPU pays for itself.`;
  } else if (payback.reachedOn !== null) {
    note.textContent = `Paid for itself on ${day(payback.reachedOn)}: ${usd(payback.savedUsd)} saved against a ${usd(payback.gpuPriceUsd)} GPU.`;
  } else if (payback.projectedOn !== null) {
    note.textContent =
      `${usd(payback.savedUsd)} of ${usd(payback.gpuPriceUsd)} saved (${share(payback.savedUsd / payback.gpuPriceUsd)}); ` +
      `at ${usd(payback.dailyPaceUsd)} a day it pays for itself around ${day(payback.projectedOn)}.`;
  } else {
    note.textContent = `${usd(payback.savedUsd)} of ${usd(payback.gpuPriceUsd)} saved; no savings in the last 30 days to project a payback date from.`;
  }
}

// ---- panels -----------------------------------------------------------------------------------

function renderSplits(container, rows, noneLabel) {
  if (rows.length === 0) {
    container.replaceChildren(el('p', { class: 'muted', text: 'No requests in the last 30 days.' }));
    return;
  }
  const items = rows.map((row) => {
    const localShare = row.requests > 0 ? row.localRequests / row.requests : 0;
    const local = el('span', { class: 'local', title: `local: ${whole(row.localRequests)}` });
    const cloud = el('span', { class: 'cloud', title: `cloud: ${whole(row.cloudRequests)}` });
    local.style.width = `${localShare * 100}%`;
    cloud.style.width = `${(1 - localShare) * 100}%`;
    return el(
      'div',
      { class: 'split-row' },
      el('span', { class: row.name === null ? 'split-name none' : 'split-name', title: row.name ?? noneLabel, text: row.name ?? noneLabel }),
      el('div', { class: 'bar', role: 'img', 'aria-label': `${share(localShare)} local` }, local, cloud),
      el('span', { class: 'split-figures', text: `${whole(row.requests)} requests · ${share(localShare)} local · ${usd(row.costUsd)} spent · ${usd(row.savingsUsd)} saved` }),
    );
  });
  container.replaceChildren(...items, el('div', { class: 'legend-keys' }, el('span', { class: 'local', text: 'local' }), el('span', { class: 'cloud', text: 'cloud' })));
}

function renderLatency({ targets, percentileCeilingMs }) {
  const body = document.querySelector('#latency tbody');
  if (targets.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: '14', class: 'muted', text: 'No target was called in the last 30 days.' })));
    return;
  }
  // The histograms' last bucket has no upper end: a percentile there is a floor.
  const percentile = (value) => (value !== null && value >= percentileCeilingMs ? `≥ ${ms(percentileCeilingMs)}` : ms(value));
  const period = (figures) => [
    el('td', { class: 'num group', text: whole(figures.requests) }),
    el('td', { class: 'num', text: percentile(figures.latencyMsP50) }),
    el('td', { class: 'num', text: percentile(figures.latencyMsP95) }),
    el('td', { class: 'num', text: percentile(figures.ttftMsP50) }),
    el('td', { class: 'num', text: percentile(figures.ttftMsP95) }),
  ];
  body.replaceChildren(
    ...targets.map((row) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row', class: 'target' }, ...breakAfterSlashes(row.target), el('span', { class: `tag ${row.local ? 'local' : 'cloud'}`, text: row.local ? 'local' : 'cloud' })),
        ...period(row.last24h),
        ...period(row.window),
        el('td', { class: 'num', text: row.window.tokensPerSecond === null ? '—' : oneDecimal.format(row.window.tokensPerSecond) }),
        el('td', { class: 'num', text: whole(row.window.fallbacks) }),
        el('td', { class: 'num', text: whole(row.window.errors) }),
      ),
    ),
  );
}

/** `provider/model` as text nodes with a line-break opportunity after each slash (for narrow screens). */
function breakAfterSlashes(text) {
  return text.split('/').flatMap((part, index, parts) => (index < parts.length - 1 ? [`${part}/`, el('wbr')] : [part]));
}

function renderTargets(uptime) {
  const list = $('targets');
  if (!uptime.measured) {
    list.replaceChildren(el('li', { class: 'muted', text: 'Uptime is not measured: this gateway runs without the target monitor.' }));
    return;
  }
  const byTarget = new Map(uptime.targets.map((row) => [row.target, row]));
  const names = [...new Set([...uptime.statuses.map((status) => status.target), ...byTarget.keys()])];
  if (names.length === 0) {
    list.replaceChildren(el('li', { class: 'muted', text: 'No target has been observed yet.' }));
    return;
  }
  list.replaceChildren(
    ...names.map((name) => {
      const status = uptime.statuses.find((entry) => entry.target === name);
      const row = byTarget.get(name);
      const local = status?.local ?? row?.local ?? false;
      const state = status?.state ?? 'unknown';
      return el(
        'li',
        {},
        el('strong', { text: name }),
        el('span', { class: `tag ${local ? 'local' : 'cloud'}`, text: local ? 'local' : 'cloud' }),
        el('span', { class: `state ${state}`, text: state }),
        status?.error ? el('span', { class: 'target-error', title: status.error, text: status.error }) : null,
        el('span', { class: 'muted', text: row?.uptime == null ? `no observations in ${uptime.windowDays} days` : `${uptimeShare(row.uptime)} over ${uptime.windowDays} days · ${whole(row.outages)} outages` }),
      );
    }),
  );
}

function renderBudgets(budgets) {
  const list = $('budgets');
  if (budgets.length === 0) {
    list.replaceChildren(el('li', { class: 'muted', text: 'No budgets: set them under budgets: in tollgate.yaml, or per key (tollgate keys create --monthly-budget).' }));
    return;
  }
  list.replaceChildren(
    ...budgets.map((budget) => {
      const used = budget.usedShare ?? (budget.spentUsd > 0 ? 1 : 0);
      const meter = el('div', { class: budget.exceeded ? 'meter over' : used >= 0.8 ? 'meter high' : 'meter' }, el('span'));
      meter.firstChild.style.width = `${Math.min(1, used) * 100}%`;
      const who = budget.scope === 'global' ? 'Everything' : `${budget.scope} ${budget.name}`;
      return el(
        'li',
        {},
        el('div', { text: `${who} · ${budget.period === 'day' ? 'today' : 'this month'} · ${budget.mode}` }),
        el('div', { class: 'muted', text: `${usd(budget.spentUsd)} of ${usd(budget.limitUsd)}${budget.usedShare === null ? '' : ` (${share(budget.usedShare)})`}${budget.exceeded ? ' · spent' : ''}` }),
        meter,
      );
    }),
  );
}

// ---- start ------------------------------------------------------------------------------------

if (loginMode === 'denied') {
  showOnly('denied');
  setStatus('');
} else if (loginMode === 'key' && !sessionStorage.getItem(KEY_STORAGE)) {
  showLogin('');
} else {
  void poll();
}
