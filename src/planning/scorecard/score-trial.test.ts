import { describe, expect, it } from 'vitest';
import { MONTH_MS, scoreTrial, type TrialEvidence } from './score-trial.js';
import { trialWindow } from './gather-trial-evidence.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 10, 1);

/** A trial that meets every criterion: 14 days, 99.5% local uptime, quality 85%, $7 saved (≈ $15.22/month), a drill passed. */
function evidence(change: (base: TrialEvidence) => Partial<TrialEvidence> = () => ({})): TrialEvidence {
  const base: TrialEvidence = {
    window: { from: START, to: START + 14 * DAY, source: 'trial', ongoing: false },
    goals: { uptimeGoal: 0.99, qualityGoal: 0.8, savingsThresholdUsdPerMonth: 10 },
    uptime: {
      targets: [{ target: 'ollama', upMs: 0.995 * 14 * DAY, downMs: 0.005 * 14 * DAY, unknownMs: 0, outages: 2 }],
      source: 'stored up/down transitions (target_events)',
    },
    quality: { ratio: 0.85, samples: 40, source: 'shadow A/B judgements' },
    savings: { requests: 1_000, localRequests: 700, costUsd: 1, referenceCostUsd: 8, savingsUsd: 7, costUnknown: 0, source: 'ledger rollups' },
    fallback: { fallbacks: 0, drills: [{ id: 'drill_1', startedAt: START + DAY, passed: true, requests: 5, reason: null }], source: 'drills' },
  };
  return { ...base, ...change(base) };
}

const line = (card: ReturnType<typeof scoreTrial>, id: string) => card.lines.find((entry) => entry.id === id)!;

describe('scoreTrial', () => {
  it('3 of 3 with fallback proven: strong recommend, every line with its evidence', () => {
    const card = scoreTrial(evidence());
    expect(card).toMatchObject({ verdict: 'buy-gpu', recommendation: 'strong recommend: buy the GPU', criteriaMet: 3, fallbackProven: true });
    expect(card.window).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-15T00:00:00.000Z', days: 14, source: 'trial', ongoing: false });
    expect(card.lines.map((entry) => [entry.id, entry.status])).toEqual([
      ['uptime', 'pass'],
      ['quality', 'pass'],
      ['savings', 'pass'],
      ['fallback', 'pass'],
    ]);
    const uptime = line(card, 'uptime');
    expect(uptime.criterion).toBe('Local uptime ≥ 99%');
    expect(uptime.measured).toBe('99.50%');
    expect(uptime.evidence).toBe('local targets up 13d 22h of 14d 0h observed, down 1h 40m (ollama 99.50%, 2 outages)');
    expect(uptime.source).toBe('stored up/down transitions (target_events), 2026-11-01T00:00Z → 2026-11-15T00:00Z');
    // $7 over 14 days, scaled to an average month of 30.4375 days.
    const savings = line(card, 'savings');
    expect(savings.figures.monthlySavingsUsd).toBeCloseTo((7 * MONTH_MS) / (14 * DAY), 12);
    expect(savings.measured).toBe('$15.21/month');
    expect(savings.evidence).toBe('saved $7.00 over 14 days (reference $8.00 − actual $1.00; 700 of 1000 requests local) × 30.4375/14 days = $15.21/month');
    expect(line(card, 'quality').measured).toBe('85% of cloud');
    expect(line(card, 'fallback').evidence).toBe('0 requests fell back and were answered by the cloud; 1 of 1 drill passed (latest drill_1 at 2026-11-02T00:00Z: passed, 5 requests answered by the cloud).');
  });

  it('3 of 3 without fallback proven: proceed to phase 2, and says how to earn the strong recommendation', () => {
    const card = scoreTrial(evidence((base) => ({ fallback: { ...base.fallback, drills: [] } })));
    expect(card).toMatchObject({ verdict: 'phase-2', recommendation: 'proceed to phase 2', criteriaMet: 3, fallbackProven: false });
    expect(card.why).toMatch(/fallback is not proven: run `tollgate drill`/);
    expect(line(card, 'fallback')).toMatchObject({ status: 'not-measured', measured: 'not proven yet' });
  });

  it('real fallbacks outside drills prove fallback too', () => {
    const card = scoreTrial(evidence((base) => ({ fallback: { ...base.fallback, fallbacks: 3, drills: [] } })));
    expect(card.verdict).toBe('buy-gpu');
    expect(line(card, 'fallback')).toMatchObject({ status: 'pass', measured: '3 fallbacks' });
  });

  it('a failed latest drill unproves fallback, whatever passed before', () => {
    const card = scoreTrial(
      evidence((base) => ({
        fallback: { ...base.fallback, fallbacks: 12, drills: [...base.fallback.drills, { id: 'drill_2', startedAt: START + 2 * DAY, passed: false, requests: 5, reason: 'HTTP 503: the cloud did not answer either' }] },
      })),
    );
    expect(card.verdict).toBe('phase-2');
    expect(line(card, 'fallback')).toMatchObject({ status: 'fail', measured: 'latest drill failed' });
    expect(line(card, 'fallback').evidence).toContain('failed: HTTP 503: the cloud did not answer either');
  });

  it('quality not measured yet counts as not met: 2 of 3 is proceed to phase 2', () => {
    const card = scoreTrial(evidence(() => ({ quality: undefined })));
    expect(card).toMatchObject({ verdict: 'phase-2', criteriaMet: 2, fallbackProven: true });
    expect(line(card, 'quality')).toMatchObject({ status: 'not-measured', measured: 'not measured yet', figures: { ratio: null, samples: 0, goal: 0.8 } });
    expect(card.why).toBe('2 of 3 criteria met (Local quality ≥ 80% of cloud not measured yet).');
  });

  it('2 of 3 with a failed criterion: proceed to phase 2', () => {
    const card = scoreTrial(evidence((base) => ({ savings: { ...base.savings, savingsUsd: 4 } })));
    expect(card).toMatchObject({ verdict: 'phase-2', criteriaMet: 2 });
    // $4 over 14 days = $8.69/month, under $10.
    expect(line(card, 'savings')).toMatchObject({ status: 'fail', measured: '$8.69/month' });
    expect(card.why).toBe('2 of 3 criteria met (Savings ≥ $10.00/month not met).');
  });

  it('1 of 3: stay on cloud, revisit', () => {
    const card = scoreTrial(
      evidence((base) => ({
        quality: undefined,
        uptime: { ...base.uptime, targets: [{ target: 'ollama', upMs: 98 * HOUR, downMs: 2 * HOUR, unknownMs: 5 * HOUR, outages: 4 }] },
      })),
    );
    expect(card).toMatchObject({ verdict: 'stay-on-cloud', recommendation: 'stay on cloud, revisit', criteriaMet: 1 });
    expect(line(card, 'uptime')).toMatchObject({ status: 'fail', measured: '98.00%' });
    expect(line(card, 'uptime').evidence).toBe('local targets up 4d 2h of 4d 4h observed, down 2h 0m (ollama 98.00%, 4 outages); 5h 0m not observed (before the first poll, or the gateway stopped), not counted');
  });

  it('0 of 3 with nothing measured: stay on cloud', () => {
    const card = scoreTrial(
      evidence((base) => ({
        quality: undefined,
        uptime: { ...base.uptime, targets: [] },
        savings: { ...base.savings, requests: 0, localRequests: 0, costUsd: 0, referenceCostUsd: 0, savingsUsd: 0 },
        fallback: { ...base.fallback, drills: [] },
      })),
    );
    expect(card).toMatchObject({ verdict: 'stay-on-cloud', criteriaMet: 0, fallbackProven: false });
    expect(card.lines.map((entry) => entry.status)).toEqual(['not-measured', 'not-measured', 'not-measured', 'not-measured']);
    expect(line(card, 'uptime').evidence).toMatch(/^no local target has any up\/down history/);
    expect(line(card, 'savings').evidence).toBe('no requests in the window.');
  });

  it('pools several local targets by time and never rounds a miss up to the goal', () => {
    const card = scoreTrial(
      evidence((base) => ({
        uptime: {
          ...base.uptime,
          targets: [
            { target: 'ollama', upMs: 99_990, downMs: 10, unknownMs: 0, outages: 1 },
            { target: 'vllm', upMs: 98_006, downMs: 1_994, unknownMs: 0, outages: 1 },
          ],
        },
      })),
    );
    // (99,990 + 98,006) / 200,000 = 0.98998: shown 98.99%, not 99.00%, and not met.
    expect(line(card, 'uptime')).toMatchObject({ status: 'fail', measured: '98.99%' });
    expect(line(card, 'uptime').evidence).toContain('ollama 99.99%, 1 outage; vllm 98.00%, 1 outage');
  });

  it('a quality ratio under the goal fails its line', () => {
    const card = scoreTrial(evidence((base) => ({ quality: { ...base.quality!, ratio: 0.7 } })));
    expect(line(card, 'quality')).toMatchObject({ status: 'fail', measured: '70% of cloud' });
    expect(card.verdict).toBe('phase-2');
  });
});

describe('trialWindow', () => {
  const NOW = START + 20 * DAY + 5 * HOUR;

  it('takes the configured trial: start plus days, or an end, never past now', () => {
    expect(trialWindow({ start: START, days: 14 }, { now: NOW })).toEqual({ from: START, to: START + 14 * DAY, source: 'trial', ongoing: false });
    expect(trialWindow({ start: START, end: START + 30 * DAY }, { now: NOW })).toEqual({ from: START, to: NOW, source: 'trial', ongoing: true });
    expect(trialWindow({ start: START }, { now: NOW })).toEqual({ from: START, to: NOW, source: 'trial', ongoing: true });
  });

  it('lets --since override the trial, and falls back to the last 30 days', () => {
    expect(trialWindow({ start: START, days: 14 }, { now: NOW, since: START + DAY, until: START + 2 * DAY })).toEqual({ from: START + DAY, to: START + 2 * DAY, source: 'since', ongoing: false });
    expect(trialWindow({}, { now: NOW })).toEqual({ from: NOW - 30 * DAY, to: NOW, source: 'default', ongoing: false });
  });

  it('refuses a trial that has not started', () => {
    expect(() => trialWindow({ start: NOW + DAY, days: 14 }, { now: NOW })).toThrow(/in the future/);
  });
});
