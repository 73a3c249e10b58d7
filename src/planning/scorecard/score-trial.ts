/**
 * The trial scorecard: did the local GPU trial succeed? Four criteria, each measured over the
 * trial's window, and the plan's verdict. `scoreTrial` is pure arithmetic over evidence gathered
 * elsewhere (gather-trial-evidence.ts), so every line can be checked by hand.
 *
 * The verdict rule (the plan's):
 * - the first three criteria are local uptime, local quality and measurable savings; a criterion
 *   counts only when it passed: "not measured yet" is not a pass (nobody buys a GPU on a guess);
 * - 3 of 3 with automatic fallback proven → "strong recommend: buy the GPU";
 * - 3 of 3 with fallback NOT proven → "proceed to phase 2": the GPU looks right, but a trial that
 *   never showed the cloud catching a local failure has not earned the strong recommendation
 *   (a passed `tollgate drill` is the quickest proof);
 * - 2 of 3 → "proceed to phase 2";
 * - fewer → "stay on cloud, revisit".
 * So until local quality is measured (the quality issue), the best verdict is "proceed to phase 2".
 */

export type CriterionId = 'uptime' | 'quality' | 'savings' | 'fallback';
export type CriterionStatus = 'pass' | 'fail' | 'not-measured';
export type VerdictCode = 'buy-gpu' | 'phase-2' | 'stay-on-cloud';

export const VERDICTS: Readonly<Record<VerdictCode, string>> = {
  'buy-gpu': 'strong recommend: buy the GPU',
  'phase-2': 'proceed to phase 2',
  'stay-on-cloud': 'stay on cloud, revisit',
};

/** What the trial must show. From `planning.trial`. */
export interface TrialGoals {
  /** Local uptime needed, 0–1 (0.99). */
  readonly uptimeGoal: number;
  /** Local quality needed as a share of the cloud's, 0–1 (0.8). */
  readonly qualityGoal: number;
  /** Savings per month, USD, needed to call them measurable (10). */
  readonly savingsThresholdUsdPerMonth: number;
}

/** The window every criterion is measured over, epoch ms; `to` is never after now. */
export interface TrialWindow {
  readonly from: number;
  readonly to: number;
  /** `trial`: planning.trial; `since`: given on the command line or the query; `default`: the last 30 days. */
  readonly source: 'trial' | 'since' | 'default';
  /** The configured trial ends after `to` (or has no end): the figures are so far. */
  readonly ongoing: boolean;
}

/** One local target's time over the window (the target monitor's stored transitions). */
export interface TargetUptime {
  readonly target: string;
  readonly upMs: number;
  readonly downMs: number;
  /** Not watched: before the first observation, or while the gateway was not running. */
  readonly unknownMs: number;
  /** Up-to-down transitions in the window. */
  readonly outages: number;
}

export interface UptimeEvidence {
  /** Every local target with any history in the window. */
  readonly targets: readonly TargetUptime[];
  /** Where the figures come from, in words. */
  readonly source: string;
}

/**
 * Local answers scored against the cloud's (the shadow A/B quality issue fills this in). Until it
 * exists the evidence has no quality and the line reads "not measured yet".
 */
export interface QualityEvidence {
  /** Mean local score over mean cloud score on the same prompts, 0–1+. */
  readonly ratio: number;
  /** Prompts judged on both sides. */
  readonly samples: number;
  readonly source: string;
}

export interface SavingsEvidence {
  /** Every request in the window (drills included: they are real spend). */
  readonly requests: number;
  readonly localRequests: number;
  readonly costUsd: number;
  readonly referenceCostUsd: number;
  /** Reference cost − cost, summed over the requests with a known price. */
  readonly savingsUsd: number;
  /** Requests with no known price (not in costUsd). */
  readonly costUnknown: number;
  readonly source: string;
}

/** A drill's outcome as the scorecard shows it. */
export interface DrillSummary {
  readonly id: string;
  readonly startedAt: number;
  readonly passed: boolean;
  readonly requests: number;
  readonly reason: string | null;
}

export interface FallbackEvidence {
  /** Requests outside drills that a target other than the first answered, on the cloud (rollups' `fallbacks`). */
  readonly fallbacks: number;
  /** Drills started in the window, oldest first. */
  readonly drills: readonly DrillSummary[];
  readonly source: string;
}

export interface TrialEvidence {
  readonly window: TrialWindow;
  readonly goals: TrialGoals;
  readonly uptime: UptimeEvidence;
  /** Absent until local quality is measured. */
  readonly quality: QualityEvidence | undefined;
  readonly savings: SavingsEvidence;
  readonly fallback: FallbackEvidence;
}

export interface ScorecardLine {
  readonly id: CriterionId;
  /** `Local uptime ≥ 99%`. */
  readonly criterion: string;
  readonly status: CriterionStatus;
  /** The measured figure in words: `99.62%`, `$14.81/month`, `not measured yet`. */
  readonly measured: string;
  /** The figures behind it, in words, enough to recompute `measured`. */
  readonly evidence: string;
  /** Where they come from and over which window. */
  readonly source: string;
  /** The same figures as numbers, for tools. */
  readonly figures: Readonly<Record<string, number | string | boolean | null>>;
}

export interface Scorecard {
  readonly window: { readonly from: string; readonly to: string; readonly days: number; readonly source: TrialWindow['source']; readonly ongoing: boolean };
  readonly verdict: VerdictCode;
  /** The verdict in the plan's words. */
  readonly recommendation: string;
  /** Why this verdict, in one sentence. */
  readonly why: string;
  /** Of the first three criteria (uptime, quality, savings), how many passed. */
  readonly criteriaMet: number;
  readonly fallbackProven: boolean;
  /** uptime, quality, savings, fallback. */
  readonly lines: readonly ScorecardLine[];
}

const DAY_MS = 86_400_000;
/** An average month: 365.25 / 12 days. Savings over the window are scaled to it. */
export const MONTH_MS = (365.25 / 12) * DAY_MS;

export function scoreTrial(evidence: TrialEvidence): Scorecard {
  const { window } = evidence;
  const span = `${isoMinute(window.from)} → ${isoMinute(window.to)}`;
  const lines = [uptimeLine(evidence, span), qualityLine(evidence, span), savingsLine(evidence, span), fallbackLine(evidence, span)];
  const [uptime, quality, savings, fallback] = lines as [ScorecardLine, ScorecardLine, ScorecardLine, ScorecardLine];
  const firstThree = [uptime, quality, savings];
  const criteriaMet = firstThree.filter((line) => line.status === 'pass').length;
  const fallbackProven = fallback.status === 'pass';
  const unmet = firstThree.filter((line) => line.status !== 'pass').map((line) => `${line.criterion} ${line.status === 'fail' ? 'not met' : 'not measured yet'}`);

  let verdict: VerdictCode;
  let why: string;
  if (criteriaMet === 3 && fallbackProven) {
    verdict = 'buy-gpu';
    why = '3 of 3 criteria met and automatic fallback proven.';
  } else if (criteriaMet === 3) {
    verdict = 'phase-2';
    why = '3 of 3 criteria met, but automatic fallback is not proven: run `tollgate drill` for the strong recommendation.';
  } else if (criteriaMet === 2) {
    verdict = 'phase-2';
    why = `2 of 3 criteria met (${unmet.join('; ')}).`;
  } else {
    verdict = 'stay-on-cloud';
    why = `${criteriaMet} of 3 criteria met (${unmet.join('; ')}).`;
  }
  return {
    window: {
      from: new Date(window.from).toISOString(),
      to: new Date(window.to).toISOString(),
      days: round((window.to - window.from) / DAY_MS, 6),
      source: window.source,
      ongoing: window.ongoing,
    },
    verdict,
    recommendation: VERDICTS[verdict],
    why,
    criteriaMet,
    fallbackProven,
    lines,
  };
}

function uptimeLine({ uptime, goals }: TrialEvidence, span: string): ScorecardLine {
  const criterion = `Local uptime ≥ ${percent(goals.uptimeGoal)}`;
  const upMs = sum(uptime.targets.map((target) => target.upMs));
  const downMs = sum(uptime.targets.map((target) => target.downMs));
  const unknownMs = sum(uptime.targets.map((target) => target.unknownMs));
  const outages = sum(uptime.targets.map((target) => target.outages));
  const observedMs = upMs + downMs;
  const source = `${uptime.source}, ${span}`;
  const figures = { upMs, downMs, unknownMs, outages, uptime: observedMs > 0 ? upMs / observedMs : null, goal: goals.uptimeGoal, targets: uptime.targets.map((target) => target.target).join(',') };
  if (observedMs === 0) {
    const why = uptime.targets.length === 0 ? 'no local target has any up/down history in the window' : `the local targets (${uptime.targets.map((target) => target.target).join(', ')}) were never observed in the window`;
    return { id: 'uptime', criterion, status: 'not-measured', measured: 'not measured yet', evidence: `${why}: run the gateway (its monitor polls local hosts) during the trial.`, source, figures };
  }
  const share = upMs / observedMs;
  const perTarget = uptime.targets
    .filter((target) => target.upMs + target.downMs > 0)
    .map((target) => `${target.target} ${precisePercent(target.upMs / (target.upMs + target.downMs))}, ${target.outages} outage${target.outages === 1 ? '' : 's'}`)
    .join('; ');
  const evidence =
    `local targets up ${duration(upMs)} of ${duration(observedMs)} observed, down ${duration(downMs)} (${perTarget})` +
    (unknownMs > 0 ? `; ${duration(unknownMs)} not observed (before the first poll, or the gateway stopped), not counted` : '');
  return { id: 'uptime', criterion, status: share >= goals.uptimeGoal ? 'pass' : 'fail', measured: precisePercent(share), evidence, source, figures };
}

function qualityLine({ quality, goals }: TrialEvidence, span: string): ScorecardLine {
  const criterion = `Local quality ≥ ${percent(goals.qualityGoal)} of cloud`;
  if (quality === undefined) {
    return {
      id: 'quality',
      criterion,
      status: 'not-measured',
      measured: 'not measured yet',
      evidence: 'local answers are not yet scored against the cloud’s (arrives with the shadow A/B quality checks); not measured does not count as met.',
      source: `none yet, ${span}`,
      figures: { ratio: null, samples: 0, goal: goals.qualityGoal },
    };
  }
  if (quality.samples === 0) {
    return {
      id: 'quality',
      criterion,
      status: 'not-measured',
      measured: 'not measured yet',
      evidence: 'no prompt was judged on both sides in the window.',
      source: `${quality.source}, ${span}`,
      figures: { ratio: null, samples: 0, goal: goals.qualityGoal },
    };
  }
  return {
    id: 'quality',
    criterion,
    status: quality.ratio >= goals.qualityGoal ? 'pass' : 'fail',
    measured: `${percent(quality.ratio)} of cloud`,
    evidence: `local scored ${percent(quality.ratio)} of the cloud's score over ${quality.samples} prompt${quality.samples === 1 ? '' : 's'} judged on both sides.`,
    source: `${quality.source}, ${span}`,
    figures: { ratio: quality.ratio, samples: quality.samples, goal: goals.qualityGoal },
  };
}

function savingsLine({ savings, goals, window }: TrialEvidence, span: string): ScorecardLine {
  const threshold = goals.savingsThresholdUsdPerMonth;
  const criterion = `Savings ≥ ${usd(threshold)}/month`;
  const windowMs = window.to - window.from;
  const monthly = windowMs > 0 ? savings.savingsUsd * (MONTH_MS / windowMs) : 0;
  const source = `${savings.source}, ${span}`;
  const figures = {
    savingsUsd: savings.savingsUsd,
    windowDays: windowMs / DAY_MS,
    monthlySavingsUsd: monthly,
    threshold,
    costUsd: savings.costUsd,
    referenceCostUsd: savings.referenceCostUsd,
    requests: savings.requests,
    localRequests: savings.localRequests,
    costUnknown: savings.costUnknown,
  };
  if (savings.requests === 0) {
    return { id: 'savings', criterion, status: 'not-measured', measured: 'not measured yet', evidence: 'no requests in the window.', source, figures };
  }
  // Rounded down to the cent, so a figure just under the threshold never reads as reaching it.
  const monthlyText = `${usd(Math.floor(monthly * 100 + 1e-9) / 100)}/month`;
  const evidence =
    `saved ${usd(savings.savingsUsd)} over ${days(windowMs)} days (reference ${usd(savings.referenceCostUsd)} − actual ${usd(savings.costUsd)}; ` +
    `${savings.localRequests} of ${savings.requests} requests local) × ${round(MONTH_MS / DAY_MS, 4)}/${days(windowMs)} days = ${monthlyText}` +
    (windowMs < DAY_MS ? '; extrapolated from less than a day' : '') +
    (savings.costUnknown > 0 ? `; ${savings.costUnknown} request(s) with no known price left out` : '');
  return { id: 'savings', criterion, status: monthly >= threshold ? 'pass' : 'fail', measured: monthlyText, evidence, source, figures };
}

function fallbackLine({ fallback }: TrialEvidence, span: string): ScorecardLine {
  const criterion = 'Automatic fallback proven';
  const passed = fallback.drills.filter((drill) => drill.passed);
  const latest = fallback.drills.at(-1);
  const source = `${fallback.source}, ${span}`;
  const figures = { fallbacks: fallback.fallbacks, drills: fallback.drills.length, drillsPassed: passed.length, latestDrill: latest?.id ?? null, latestDrillPassed: latest?.passed ?? null };
  const drills =
    fallback.drills.length === 0
      ? 'no drill'
      : `${passed.length} of ${fallback.drills.length} drill${fallback.drills.length === 1 ? '' : 's'} passed (latest ${latest!.id} at ${isoMinute(latest!.startedAt)}: ${latest!.passed ? `passed, ${latest!.requests} requests answered by the cloud` : `failed: ${latest!.reason ?? 'no reason recorded'}`})`;
  const evidence = `${fallback.fallbacks} request${fallback.fallbacks === 1 ? '' : 's'} fell back and were answered by the cloud; ${drills}.`;
  // A failed latest drill is direct evidence that fallback does not work now, whatever happened before.
  if (latest !== undefined && !latest.passed) return { id: 'fallback', criterion, status: 'fail', measured: 'latest drill failed', evidence, source, figures };
  if (passed.length > 0 || fallback.fallbacks > 0) {
    const measured = [passed.length > 0 ? `${passed.length} drill${passed.length === 1 ? '' : 's'} passed` : '', fallback.fallbacks > 0 ? `${fallback.fallbacks} fallback${fallback.fallbacks === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    return { id: 'fallback', criterion, status: 'pass', measured, evidence, source, figures };
  }
  return { id: 'fallback', criterion, status: 'not-measured', measured: 'not proven yet', evidence: `${evidence} Run \`tollgate drill\` against the running gateway.`, source, figures };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A window's length in days: 2 decimals, or 3 significant digits under a day (`0.0208`). */
export function days(ms: number): string {
  const value = ms / DAY_MS;
  return value >= 1 ? String(round(value, 2)) : String(Number(value.toPrecision(3)));
}

function percent(share: number): string {
  return `${round(share * 100, 1)}%`;
}

/** Rounded down: 98.996% reads 98.99%, never a passing-looking 99.00%. */
function precisePercent(share: number): string {
  return `${(Math.floor(share * 10_000 + 1e-9) / 100).toFixed(2)}%`;
}

function usd(value: number): string {
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  return `${sign}$${magnitude !== 0 && magnitude < 0.01 ? magnitude.toPrecision(2) : magnitude.toFixed(2)}`;
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** `13d 22h`, `5h 12m`, `42s`: enough to check a share by eye. */
function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds % 60}s`;
  return `${seconds}s`;
}
