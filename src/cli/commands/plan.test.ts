/**
 * `tollgate plan` as a user runs it: the built bin in a child process (run `npm run build` after
 * changing src/ by hand), against a what-if file and against a SQLite ledger it reads directly.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../ledger/ledger-record.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import type { PlanReport } from '../../planning/roi/index.js';
import { ledgerRecord } from '../../ledger/testing/ledger-record-fixture.js';

const bin = fileURLToPath(new URL('../../../bin/tollgate.js', import.meta.url));

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOLLGATE_CONFIG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const TEAM = `
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
    reference: anthropic/claude-haiku-5-5
`;

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-plan-'));
  config = join(dir, 'tollgate.yaml');
  await writeFile(config, `logging: { level: warn }\nledger: { url: "sqlite:${join(dir, 'ledger.db')}" }\n`);
  await writeFile(join(dir, 'team.yaml'), TEAM);
});

describe('tollgate plan', () => {
  it('--what-if: a team with no traffic, as JSON and as tables', async () => {
    const json = await run(['plan', '--what-if', 'team.yaml', '--local-share', '0.75', '--kwh-usd', '0.2', '--format', 'json', '-c', config], dir);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanReport;
    expect(plan.source).toEqual({ kind: 'what-if', file: 'team.yaml' });
    expect(plan.monthly.referenceCostUsd).toBeCloseTo(267.3, 9);
    const rtx3090 = plan.options.find((option) => option.hardware.id === 'rtx-3090')!;
    expect(rtx3090.scenarios[0]).toMatchObject({ growth: 1, breakEvenMonth: 14 });
    expect(rtx3090.scenarios[0]!.savingsUsd).toBeCloseTo(86.695, 9);
    expect(plan.options.find((option) => option.hardware.id === 'existing')!.scenarios[0]!.breakEvenMonth).toBe(0);
    // A what-if plan opens no ledger.
    expect(plan.warnings).toEqual([expect.stringMatching(/^RTX 4060 Ti 16 GB at 10×: the local share needs 818\.8 h/)]);

    const table = await run(['plan', '--what-if', 'team.yaml', '--local-share', '0.75', '--kwh-usd', '0.2', '-c', config], dir);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    // Piped: no colour codes.
    expect(table.stdout).not.toContain('\u001b[');
    expect(table.stdout).toContain('Traffic a month, from the what-if file team.yaml');
    expect(table.stdout).toContain('Local share: 75.0% of the work, by reference cost (argument)');
    expect(table.stdout).toContain('Maintenance: 2 h × $50 = $100.00/month (planning.maintenance)');
    expect(lines).toContainEqual(expect.stringMatching(/│ total\s+│\s+│\s+36,000 │ 96,000,000 │ 13,800,000 │\s+267\.30 │/));
    expect(table.stdout).toContain("At 1× today's volume: cloud-only $267.30 a month");
    expect(lines).toContainEqual(expect.stringMatching(/│ RTX 3090 \(used\)\s+│\s+13\.78 │\s+66\.83 │\s+180\.61 │\s+86\.70 │\s+month 14 │\s+-159\.66 │\s+4,001\.70 │\s+30\.0 │\s+61\.1% │/));
    expect(lines).toContainEqual(expect.stringMatching(/│ No purchase \(existing machine\)\s+│.*│\s+now │/));
    expect(lines).toContainEqual(expect.stringMatching(/│ RTX 4060 Ti 16 GB\s+│.*│\s+818\.8 OVER │/));
    expect(table.stdout).toContain('! RTX 4060 Ti 16 GB at 10×');
  });

  it('reads the ledger’s rollups directly and scales the window to a month', async () => {
    const store = await openLedgerStore(join(dir, 'ledger.db'));
    const base = Date.parse('2026-03-01T00:00:00Z');
    const record = (n: number, local: boolean): LedgerRecord =>
      ledgerRecord({
        id: `cli-plan-${n}`,
        ts: base + n * 3_600_000,
        requestedModel: 'kb-analysis',
        task: 'kb-analysis',
        provider: local ? 'ollama' : 'anthropic',
        model: local ? 'qwen2.5:7b' : 'claude-haiku-5-5',
        local,
        tokens: { inputUncached: 3000, cacheRead: 0, cacheWrite: 0, outputText: 500, outputReasoning: 0, estimated: false },
        costUsd: local ? 0.0001 : 0.00055,
        referenceModel: 'anthropic/claude-haiku-5-5',
        referenceCostUsd: 0.00055,
        savingsUsd: local ? 0.00045 : 0,
        latencyMs: 2000,
        generationMs: local ? 2000 : null,
      });
    await store.append([record(1, true), record(2, true), record(3, true), record(4, false)]);
    await store.close();

    const json = await run(['plan', '--since', '2026-03-01T00:00:00Z', '--until', '2026-03-02T00:00:00Z', '--format', 'json', '-c', config], dir);
    expect(json.stderr).toBe('');
    const plan = JSON.parse(json.stdout) as PlanReport;
    expect(plan.source).toMatchObject({ kind: 'ledger', windowHours: 24, activeDays: 1 });
    // 4 requests in 24 h → × 730 ÷ 24 a month; 3 of 4 equal reference costs served locally.
    expect(plan.monthly.requests).toBeCloseTo((4 * 730) / 24, 9);
    expect(plan.monthly.referenceCostUsd).toBeCloseTo((0.0022 * 730) / 24, 12);
    expect(plan.inputs.localShare).toBeCloseTo(0.75, 12);
    expect(plan.origins.localShare).toBe('ledger');

    const table = await run(['plan', '--since', '2026-03-01T00:00:00Z', '--until', '2026-03-02T00:00:00Z', '--growth', '1', '-c', config], dir);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Traffic a month, from the ledger: 2026-03-01T00:00:00.000Z → 2026-03-02T00:00:00.000Z (24 h, ×30.4167 to a 730 h month)');
    expect(table.stdout).toContain('Local share: 75.0% of the work, by reference cost (measured)');
    expect(table.stdout).toMatch(/│ kb-analysis │ \(route’s first cloud target\) │\s+122 │\s+365,000 │\s+60,833 │\s+0\.07 │\s+75\.0% │/);
    // 250 output tokens a second over 2 s per local call.
    expect(table.stdout).toContain('Measured on your local targets: 250.0 output tok/s');
    expect(table.stdout).toContain('! Scaled to a month from 24 h of traffic');
    expect(table.stdout).not.toContain("At 10× today's volume");
  });

  it('names what is wrong with a what-if file or an argument', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'tasks:\n  kb: { requests: 10, inputTokens: lots, outputTokens: 5 }\n');
    const bad = await run(['plan', '--what-if', 'bad.yaml', '--local-share', '0.5', '-c', config], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid what-if file (bad.yaml):\n  - tasks.kb.inputTokens: expected a number of prompt tokens a month');
    const noShare = await run(['plan', '--what-if', 'team.yaml', '-c', config], dir);
    expect(noShare.code).toBe(1);
    expect(noShare.stderr).toMatch(/needs the share of the work that would run locally/);
    const share = await run(['plan', '--local-share', '1.5', '-c', config], dir);
    expect(share.code).not.toBe(0);
    expect(share.stderr).toContain("option '--local-share <share>' argument '1.5' is invalid. expected a share from 0 to 1");
  });
});
