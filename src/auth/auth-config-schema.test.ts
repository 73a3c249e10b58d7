import { describe, expect, it } from 'vitest';
import { budgetsConfigSchema, rateLimitsConfigSchema } from './auth-config-schema.js';

describe('access config', () => {
  it('defaults: no budgets, cloud spend only, local when a hard cloud budget is spent; memory limits', () => {
    expect(budgetsConfigSchema.parse({})).toEqual({ teams: {}, countLocal: false, onCloudExhausted: 'local' });
    expect(rateLimitsConfigSchema.parse({})).toEqual({});
  });

  it('a budget is hard unless it says soft, and needs at least one limit', () => {
    const parsed = budgetsConfigSchema.parse({ global: { monthlyUsd: 500 }, teams: { research: { dailyUsd: 20, mode: 'soft' } } });
    expect(parsed.global).toEqual({ monthlyUsd: 500, mode: 'hard' });
    expect(parsed.teams.research).toEqual({ dailyUsd: 20, mode: 'soft' });

    const empty = budgetsConfigSchema.safeParse({ teams: { research: { mode: 'soft' } } });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues[0]).toMatchObject({ path: ['teams', 'research'], message: 'expected dailyUsd, monthlyUsd or both' });
  });

  it('names the path and what was expected', () => {
    const result = budgetsConfigSchema.safeParse({ global: { dailyUsd: -1 }, onCloudExhausted: 'queue', extra: true });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual(
      expect.arrayContaining([
        ['global.dailyUsd', 'expected an amount of 0 or more'],
        ['onCloudExhausted', 'expected reject or local'],
        ['', expect.stringContaining('extra')],
      ]),
    );
  });

  it('rate limits: positive integers, a redis URL with a default prefix', () => {
    const parsed = rateLimitsConfigSchema.parse({ default: { requestsPerMinute: 60 }, redis: { url: 'redis://localhost:6379/0' } });
    expect(parsed).toEqual({ default: { requestsPerMinute: 60 }, redis: { url: 'redis://localhost:6379/0', prefix: 'tollgate:rl:' } });
    expect(rateLimitsConfigSchema.safeParse({ default: { tokensPerMinute: 1.5 } }).success).toBe(false);
    expect(rateLimitsConfigSchema.safeParse({ redis: { url: 'http://localhost:6379' } }).error?.issues[0]).toMatchObject({
      path: ['redis', 'url'],
      message: 'expected a redis:// or rediss:// URL',
    });
  });
});
