import { describe, expect, it } from 'vitest';
import { routingConfigSchema } from './routing-config-schema.js';

/** Issues as `path: message`, the way load-config reports them. */
function issues(input: unknown): string[] {
  const result = routingConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('routingConfigSchema', () => {
  it('fills every documented default from an empty section', () => {
    expect(routingConfigSchema.parse({})).toEqual({
      mode: 'auto',
      defaults: {
        timeouts: { attemptMs: 60_000, firstTokenMs: 30_000, totalMs: 120_000, queueWaitMs: 250 },
        retry: { maxRetries: 1, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 5_000 },
      },
      auto: { largePromptTokens: 2_000, cloudPromptTokens: 32_000, largeTasks: ['reasoning'] },
    });
  });

  it('accepts the documented example', () => {
    const parsed = routingConfigSchema.parse({
      mode: 'cloud-only',
      defaults: { timeouts: { attemptMs: 30_000 }, retry: { maxRetries: 2 } },
      cloudFallback: ['anthropic/claude-haiku-5-5', 'openai/gpt-4o-mini'],
      rules: [
        { name: 'high-priority', match: { priority: 'high' }, targets: ['cloud-fast'] },
        {
          name: 'kb-analysis',
          match: { task: 'kb-analysis', priority: ['medium', 'low'] },
          targets: ['ollama/qwen2.5:7b', 'anthropic/claude-haiku-5-5'],
          timeouts: { firstTokenMs: 20_000 },
          retry: { maxRetries: 0 },
          cache: { ttlSeconds: 300 },
        },
        { name: 'everything-else', targets: ['summary'] },
      ],
      local: ['ollama'],
    });
    expect(parsed.defaults.timeouts).toEqual({ attemptMs: 30_000, firstTokenMs: 30_000, totalMs: 120_000, queueWaitMs: 250 });
    expect(parsed.rules?.[1]?.timeouts).toEqual({ firstTokenMs: 20_000 });
  });

  it('names the path and what was expected', () => {
    expect(issues({ mode: 'cloud' })).toEqual(['mode: expected auto, cloud-only or local-only']);
    expect(issues({ rules: [{ name: 'a', targets: ['x/y'], match: { priority: 'urgent' } }] })).toEqual([
      "rules.0.match.priority: expected one of high, medium, low (or a * pattern), got 'urgent'",
    ]);
    expect(issues({ rules: [{ name: 'a', targets: ['x/y'], match: { tier: ['L1', 'L9'] } }] })).toEqual([
      "rules.0.match.tier.1: expected one of L1, L2, L3 (or a * pattern), got 'L9'",
    ]);
    expect(issues({ rules: [{ name: 'a', targets: ['x/y'], match: { colour: 'red' } }] })[0]).toMatch(/^rules\.0\.match: .*colour/);
    expect(issues({ rules: [{ name: 'a', targets: [] }] })).toEqual(['rules.0.targets: expected at least one target']);
    expect(issues({ rules: [{ name: 'a', targets: ['x/y'] }, { name: 'a', targets: ['x/y'] }] })).toEqual(["rules.1.name: duplicate rule name 'a'"]);
    expect(issues({ rules: [{ name: 'a', targets: ['x/y'], retry: { maxRetries: -1 } }] })[0]).toMatch(/^rules\.0\.retry\.maxRetries: /);
    expect(issues({ defaults: { timeouts: { totalMs: 'soon' } } })[0]).toMatch(/^defaults\.timeouts\.totalMs: /);
    expect(issues({ auto: { largePromptTokens: 50_000 } })).toEqual(['auto.largePromptTokens: must be below cloudPromptTokens (32000)']);
  });
});
