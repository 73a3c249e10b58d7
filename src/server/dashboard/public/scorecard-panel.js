/* global document, fetch */
/**
 * The dashboard's "Trial scorecard" panel: the verdict and each criterion (local uptime, local
 * quality, savings, automatic fallback) with its measured figure, evidence and source, from
 * GET /api/scorecard (the same document `tollgate scorecard --format json` prints). A plain browser
 * ES module; dashboard.js calls `refreshScorecardPanel(headers)` after each poll, and the scorecard
 * is fetched again at most once a minute (it reads uptime and rollups over the whole trial, and a
 * verdict moves slowly). Text only ever goes into textContent.
 */

import { el } from './dom.js';

const REFRESH_MS = 60_000;
const STATUS = { pass: 'met', fail: 'not met', 'not-measured': 'not measured' };

/** A window's length as the CLI writes it: 2 decimals, or 3 significant digits under a day. */
const days = (value) => (value >= 1 ? String(Math.round(value * 100) / 100) : String(Number(value.toPrecision(3))));

let lastFetch = -Infinity;
let inFlight = false;

/** Fetches and draws the scorecard, unless it was fetched less than a minute ago. Never throws. */
export async function refreshScorecardPanel(headers) {
  const panel = document.getElementById('panel-scorecard');
  if (!panel || inFlight || Date.now() - lastFetch < REFRESH_MS) return;
  inFlight = true;
  try {
    const response = await fetch('/api/scorecard', { headers, cache: 'no-store' });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      render(panel, null, `The scorecard is unavailable (${response.status}${body.error?.message ? `: ${body.error.message}` : ''}).`);
      return;
    }
    render(panel, await response.json(), null);
    lastFetch = Date.now();
  } catch {
    render(panel, null, 'Cannot reach the gateway for the scorecard; retrying.');
  } finally {
    inFlight = false;
  }
}

function render(panel, card, problem) {
  panel.classList.remove('placeholder');
  panel.classList.add('wide');
  for (const node of [...panel.children]) if (node.tagName !== 'H2') node.remove();
  if (!card) {
    panel.append(el('p', { class: 'note', text: problem }));
    return;
  }
  const window = card.window;
  const span = `${window.from.slice(0, 10)} → ${window.to.slice(0, 10)} (${days(window.days)} days${window.ongoing ? ', so far' : ''}${window.source === 'default' ? '; no planning.trial.start, last 30 days' : ''})`;
  panel.append(
    el('p', { class: 'note', id: 'scorecard-window', text: span }),
    el('p', { class: `scorecard-verdict ${card.verdict}`, id: 'scorecard-verdict', 'data-verdict': card.verdict, text: card.recommendation }),
    el('p', { class: 'note', id: 'scorecard-why', text: card.why }),
    el(
      'ul',
      { class: 'scorecard-lines' },
      ...card.lines.map((line) =>
        el(
          'li',
          { 'data-criterion': line.id, 'data-status': line.status },
          el('span', { class: 'criterion', text: line.criterion }),
          el('span', { class: `result ${line.status}`, text: STATUS[line.status] ?? line.status }),
          el('span', { class: 'measured', text: line.measured }),
          el('span', { class: 'evidence muted', text: line.evidence }),
          el('span', { class: 'source muted', text: `source: ${line.source}` }),
        ),
      ),
    ),
  );
}
