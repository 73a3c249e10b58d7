import type { LedgerStore } from '../../ledger/ledger-store.js';
import { usageReport } from '../../ledger/reports.js';
import { integrateUptime } from '../../monitor/integrate-uptime.js';
import type { UptimeRow } from '../../monitor/monitor-view.js';
import { DRILL_TASK } from './drill-protocol.js';
import { scoreTrial, type FallbackEvidence, type QualityEvidence, type SavingsEvidence, type Scorecard, type TrialEvidence, type TrialGoals, type TrialWindow, type UptimeEvidence } from './score-trial.js';
import type { TrialConfig } from './trial-config-schema.js';


const DAY_MS = 86_400_000;
/** Without `planning.trial.start` or `--since`, the scorecard looks this far back. */
export const DEFAULT_WINDOW_DAYS = 30;

/** Where the evidence comes from. Only rollups, stored transitions and the drills table are read: never raw records. */
export interface TrialSources {
  readonly store: LedgerStore;
  /**
   * Uptime per target over the window: a running gateway's monitor (`MonitorView.uptime`, which
   * also counts transitions not yet written). Absent: the stored transitions are integrated here.
   */
  readonly uptime?: (window: { from: number; to: number }) => Promise<readonly UptimeRow[]>;
  /** Local quality against the cloud's; absent until the quality issue provides it ("not measured yet"). */
  readonly quality?: (window: { from: number; to: number }) => Promise<QualityEvidence | undefined>;
}

/**
 * The window to judge: `since`/`until` when given, else the configured trial (`start` to `end`,
 * or `days` after it, or now), else the last 30 days. Never past `now`: a trial still running is
 * judged so far. Throws a RangeError when the window is empty (a trial that starts in the future).
 */
export function trialWindow(trial: Pick<TrialConfig, 'start' | 'end' | 'days'>, options: { now: number; since?: number; until?: number }): TrialWindow {
  const { now } = options;
  let from: number;
  let end: number | undefined;
  let source: TrialWindow['source'];
  if (options.since !== undefined) {
    from = options.since;
    end = options.until;
    source = 'since';
  } else if (trial.start !== undefined) {
    from = trial.start;
    end = options.until ?? trial.end ?? (trial.days !== undefined ? trial.start + trial.days * DAY_MS : undefined);
    source = 'trial';
  } else {
    from = now - DEFAULT_WINDOW_DAYS * DAY_MS;
    end = options.until;
    source = 'default';
  }
  const to = Math.min(end ?? now, now);
  if (to <= from) {
    const when = new Date(from).toISOString();
    throw new RangeError(from >= now ? `The window starts at ${when}, in the future: nothing to judge yet.` : `The window ends before it starts (${when}).`);
  }
  return { from, to, source, ongoing: source === 'trial' && (end === undefined || end > now) };
}

/** Reads the evidence for each criterion over the window: rollups, uptime transitions, drills. */
export async function gatherTrialEvidence(sources: TrialSources, window: TrialWindow, goals: TrialGoals): Promise<TrialEvidence> {
  const range = { from: window.from, to: window.to };
  const [usage, uptimeRows, drills, quality] = await Promise.all([
    // One rollup query: by task (to tell drills apart) and local (who answered).
    usageReport(sources.store, { since: window.from, until: window.to, by: ['task', 'local'] }),
    sources.uptime ? sources.uptime(range) : sources.store.targetEvents(range).then((events) => integrateUptime(events, range)),
    sources.store.drills(range),
    sources.quality ? sources.quality(range) : Promise.resolve(undefined),
  ]);

  const uptime: UptimeEvidence = {
    targets: uptimeRows
      .filter((row) => row.local)
      .map((row) => ({ target: row.target, upMs: row.upMs, downMs: row.downMs, unknownMs: row.unknownMs, outages: row.outages })),
    source: sources.uptime ? 'target monitor (stored up/down transitions)' : 'stored up/down transitions (target_events)',
  };

  const localRequests = usage.rows.filter((row) => row.group.local === true).reduce((total, row) => total + row.requests, 0);
  const savings: SavingsEvidence = {
    requests: usage.totals.requests,
    localRequests,
    costUsd: usage.totals.costUsd,
    referenceCostUsd: usage.totals.referenceCostUsd,
    savingsUsd: usage.totals.savingsUsd,
    costUnknown: usage.totals.costUnknown,
    source: 'ledger hourly/daily rollups (usageReport)',
  };

  const fallback: FallbackEvidence = {
    // Rollups count a fallback when a target other than the first answered; the ones answered on the
    // cloud, outside drills, are the fallbacks real traffic needed. (A cloud-to-cloud fallback counts too:
    // rollups do not keep which target came first.)
    fallbacks: usage.rows.filter((row) => row.group.local === false && row.group.task !== DRILL_TASK).reduce((total, row) => total + row.fallbacks, 0),
    drills: drills.map((drill) => ({ id: drill.id, startedAt: drill.startedAt, passed: drill.passed, requests: drill.requests.length, reason: drill.reason })),
    source: 'ledger rollups (fallbacks outside drills) and the drills table',
  };

  return { window, goals, uptime, quality, savings, fallback };
}

/**
 * The scorecard over the configured trial (or `since`/`until`): the window, the evidence, the
 * verdict. What `tollgate scorecard` and `GET /api/scorecard` both call.
 */
export async function trialScorecard(sources: TrialSources, trial: TrialConfig, options: { now: number; since?: number; until?: number }): Promise<Scorecard> {
  const window = trialWindow(trial, options);
  const goals: TrialGoals = { uptimeGoal: trial.uptimeGoal, qualityGoal: trial.qualityGoal, savingsThresholdUsdPerMonth: trial.savingsThresholdUsdPerMonth };
  return scoreTrial(await gatherTrialEvidence(sources, window, goals));
}
