import { describe, expect, it } from 'vitest';
import { ModelNotFoundError, NoRouteError, type RequestMeta, type RoutePlan, type RoutingMode } from '../core/index.js';
import { createRouter } from './create-router.js';
import type { RoutingConfigInput } from './routing-config-schema.js';
import { makeRouterConfig } from './testing/make-router-config.js';

const HAIKU = 'anthropic/claude-haiku-5-5';
const MINI = 'openai/gpt-4o-mini';

function routerWith(routing: RoutingConfigInput) {
  return createRouter(makeRouterConfig(routing));
}

const refs = (plan: RoutePlan) => plan.targets.map((target) => target.ref);

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createRouter: rule matching', () => {
  // Test tables are `as const`: copy readonly lists into the mutable shape the schema input takes.
  const rule = (match: Readonly<Record<string, string | readonly string[]>>) =>
    routerWith({ rules: [{ name: 'r', match: Object.fromEntries(Object.entries(match).map(([key, value]) => [key, typeof value === 'string' ? value : [...value]])), targets: ['fast'] }] });
  const matches = (router: ReturnType<typeof rule>, meta: Omit<RequestMeta, 'model'> & { model?: string }) =>
    router.plan({ model: 'summary', ...meta }, 'auto').rule === 'rules.r';

  it.each([
    ['task', { task: 'kb-analysis' }, { task: 'kb-analysis' }, { task: 'summary' }],
    ['priority', { priority: 'high' }, { priority: 'high' }, { priority: 'low' }],
    ['tier', { tier: 'L1' }, { tier: 'L1' }, { tier: 'L2' }],
    ['key', { key: 'key_1' }, { key: 'key_1' }, { key: 'key_2' }],
    ['team', { team: 'video' }, { team: 'video' }, { team: 'audio' }],
    ['model', { model: 'summary' }, { model: 'summary' }, { model: 'reasoning' }],
  ] as const)('matches %s exactly', (_key, match, yes, no) => {
    const router = rule(match);
    expect(matches(router, yes)).toBe(true);
    expect(matches(router, no)).toBe(false);
  });

  it.each([
    ['task', { task: ['kb-analysis', 'summary'] }, { task: 'summary' }, { task: 'chat' }],
    ['priority', { priority: ['medium', 'low'] }, { priority: 'low' }, { priority: 'high' }],
    ['tier', { tier: ['L2', 'L3'] }, { tier: 'L3' }, { tier: 'L1' }],
    ['key', { key: ['a', 'b'] }, { key: 'b' }, { key: 'c' }],
    ['team', { team: ['video', 'audio'] }, { team: 'audio' }, { team: 'text' }],
    ['model', { model: ['summary', 'kb-analysis'] }, { model: 'kb-analysis' }, { model: 'reasoning' }],
  ] as const)('matches %s from a list', (_key, match, yes, no) => {
    const router = rule(match);
    expect(matches(router, yes)).toBe(true);
    expect(matches(router, no)).toBe(false);
  });

  it.each([
    ['task', { task: 'kb-*' }, { task: 'kb-analysis' }, { task: 'xkb-analysis' }],
    ['priority', { priority: '*' }, { priority: 'low' }, {}],
    ['tier', { tier: 'L*' }, { tier: 'L2' }, {}],
    ['key', { key: 'ci.*' }, { key: 'ci.42' }, { key: 'ci-42' }],
    ['team', { team: ['*-ops', 'video'] }, { team: 'ml-ops' }, { team: 'ml-opsx' }],
    ['model', { model: 'kb-*' }, { model: 'kb-analysis' }, { model: 'reasoning' }],
  ] as const)('matches %s by glob (only * is special; a missing value never matches)', (_key, match, yes, no) => {
    const router = rule(match);
    expect(matches(router, yes)).toBe(true);
    expect(matches(router, no)).toBe(false);
  });

  it('requires every given key to match', () => {
    const router = rule({ task: 'kb-analysis', priority: ['medium', 'low'] });
    expect(matches(router, { task: 'kb-analysis', priority: 'low' })).toBe(true);
    expect(matches(router, { task: 'kb-analysis', priority: 'high' })).toBe(false);
    expect(matches(router, { task: 'kb-analysis' })).toBe(false);
  });

  it('takes the first matching rule, and a rule without match catches everything', () => {
    const router = routerWith({
      rules: [
        { name: 'first', match: { priority: 'high' }, targets: ['fast'] },
        { name: 'second', match: { priority: ['high', 'low'] }, targets: ['openai/gpt-4o'] },
        { name: 'rest', targets: ['ollama/llama3.2'] },
      ],
    });
    expect(router.plan({ model: 'summary', priority: 'high' }, 'auto').rule).toBe('rules.first');
    expect(router.plan({ model: 'summary', priority: 'low' }, 'auto').rule).toBe('rules.second');
    const rest = router.plan({ model: 'auto' }, 'auto');
    expect(rest.rule).toBe('rules.rest');
    expect(rest.reason).toBe('rule rest: catch-all');
  });

  it('names the matched values in the reason', () => {
    const router = routerWith({ rules: [{ name: 'kb-analysis', match: { task: 'kb-*', priority: ['medium', 'low'], team: 'video' }, targets: ['kb-analysis', HAIKU] }] });
    expect(router.plan({ model: 'auto', task: 'kb-analysis', priority: 'medium', team: 'video' }, 'auto').reason).toBe(
      'rule kb-analysis: task=kb-analysis priority=medium team=video',
    );
    expect(router.plan({ model: 'auto', task: 'kb-search', priority: 'low', team: 'video' }, 'auto').reason).toBe('rule kb-analysis: task=kb-search priority=low team=video');
  });
});

describe('createRouter: aliases, explicit targets, auto', () => {
  const router = routerWith({ rules: [{ name: 'high', match: { priority: 'high' }, targets: ['fast'] }] });

  it('plans an alias to its target with its local options, then the cloud fallback', () => {
    const plan = router.plan({ model: 'kb-analysis' }, 'auto');
    expect(plan).toMatchObject({ rule: 'alias:kb-analysis', reason: 'alias kb-analysis', mode: 'auto', skipped: [] });
    expect(plan.targets).toEqual([
      { ref: 'ollama/qwen2.5:7b', provider: 'ollama', modelId: 'qwen2.5:7b', local: true, ollama: { numCtx: 8192, keepAlive: '10m' } },
      { ref: HAIKU, provider: 'anthropic', modelId: 'claude-haiku-5-5', local: false },
      { ref: MINI, provider: 'openai', modelId: 'gpt-4o-mini', local: false },
    ]);
    expect(plan.cache).toBeUndefined();
  });

  it('does not append the fallback to a cloud alias', () => {
    expect(refs(router.plan({ model: 'fast' }, 'auto'))).toEqual([HAIKU]);
  });

  it('lets a matching rule beat the alias', () => {
    expect(router.plan({ model: 'kb-analysis', priority: 'high' }, 'auto')).toMatchObject({ rule: 'rules.high', reason: 'rule high: priority=high' });
  });

  it('plans an explicit provider/model alone, plus the fallback when local; rules do not redirect it', () => {
    expect(router.plan({ model: 'openai/gpt-4o', priority: 'high' }, 'auto')).toMatchObject({ rule: 'explicit', reason: 'explicit target', targets: [{ ref: 'openai/gpt-4o', local: false }] });
    const local = router.plan({ model: 'ollama/library/llama3.2:latest' }, 'auto');
    expect(local.targets[0]).toEqual({ ref: 'ollama/library/llama3.2:latest', provider: 'ollama', modelId: 'library/llama3.2:latest', local: true });
    expect(refs(local).slice(1)).toEqual([HAIKU, MINI]);
  });

  it('404s an unknown model, listing the aliases', () => {
    for (const model of ['gpt-4o', 'mistral/x', 'ollama/', '/x']) {
      const error = thrown(() => router.plan({ model }, 'auto'));
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
      expect((error as Error).message).toMatch(/kb-analysis, summary, reasoning, fast, auto/);
    }
  });

  it('lets only rules that match on model catch unknown names (a catch-all does not swallow typos)', () => {
    const catching = routerWith({ rules: [{ name: 'openai-names', match: { model: 'gpt-4*' }, targets: ['fast'] }, { name: 'rest', targets: ['summary'] }] });
    expect(catching.plan({ model: 'gpt-4o' }, 'auto')).toMatchObject({ rule: 'rules.openai-names', reason: 'rule openai-names: model=gpt-4o' });
    expect(thrown(() => catching.plan({ model: 'gtp-4o' }, 'auto'))).toBeInstanceOf(ModelNotFoundError);
  });

  it.each([
    [{}, 'auto:small', 'auto: no size estimate → summary', 'ollama/phi3'],
    [{ estimatedInputTokens: 150 }, 'auto:small', 'auto: 150 input tokens < 2000 → summary', 'ollama/phi3'],
    [{ estimatedInputTokens: 3200 }, 'auto:large', 'auto: 3200 input tokens ≥ 2000 → reasoning', 'ollama/llama3.1:70b'],
    [{ estimatedInputTokens: 40_000 }, 'auto:cloud', 'auto: 40000 input tokens ≥ 32000 → cloud', HAIKU],
    [{ hasTools: true, estimatedInputTokens: 10 }, 'auto:large', 'auto: tools → reasoning', 'ollama/llama3.1:70b'],
    [{ hasImages: true, hasTools: true }, 'auto:cloud', 'auto: images → cloud', HAIKU],
    [{ task: 'reasoning', estimatedInputTokens: 10 }, 'auto:large', 'auto: task reasoning → reasoning', 'ollama/llama3.1:70b'],
  ] as const)('auto estimate %j → %s', (meta, rule, reason, first) => {
    const plan = router.plan({ model: 'auto', ...meta }, 'auto');
    expect(plan).toMatchObject({ rule, reason });
    expect(plan.targets[0]?.ref).toBe(first);
    if (plan.targets[0]?.local) expect(refs(plan).slice(1)).toEqual([HAIKU, MINI]);
  });

  it('uses routing.auto settings, and falls through tiers that have no target', () => {
    const custom = routerWith({ rules: [], auto: { smallModel: 'ollama/llama3.2', cloudModel: 'fast', largePromptTokens: 100, largeTasks: ['code'] } });
    expect(custom.plan({ model: 'auto', estimatedInputTokens: 99 }, 'auto').reason).toBe('auto: 99 input tokens < 100 → ollama/llama3.2');
    expect(custom.plan({ model: 'auto', task: 'code' }, 'auto').reason).toBe('auto: task code → reasoning');
    expect(refs(custom.plan({ model: 'auto', hasImages: true }, 'auto'))).toEqual([HAIKU]);

    const noAliases = createRouter(makeRouterConfig({ rules: [] }, { providers: { ollama: { type: 'ollama' }, anthropic: { type: 'anthropic', apiKey: 'k' } } }));
    expect(noAliases.plan({ model: 'auto', estimatedInputTokens: 10 }, 'auto')).toMatchObject({ rule: 'auto:small', reason: 'auto: 10 input tokens < 2000 → cloud' });

    const nothing = createRouter(makeRouterConfig({ rules: [] }, { providers: { ollama: { type: 'ollama' } } }));
    expect(thrown(() => nothing.plan({ model: 'auto' }, 'auto'))).toBeInstanceOf(NoRouteError);
  });
});

describe('createRouter: cloud fallback and modes', () => {
  const router = routerWith({
    cloudFallback: [HAIKU],
    rules: [
      { name: 'local-only-rule', match: { task: 'local' }, targets: ['summary', 'ollama/llama3.2'] },
      { name: 'cloud-rule', match: { task: 'cloud' }, targets: ['fast', MINI] },
      { name: 'mixed', match: { task: 'mixed' }, targets: ['kb-analysis', 'fast'] },
    ],
  });
  const plan = (task: string, mode: RoutingMode) => router.plan({ model: 'auto', task }, mode);

  it('appends the cloud fallback to every all-local plan in auto mode, and only to those', () => {
    expect(refs(plan('local', 'auto'))).toEqual(['ollama/phi3', 'ollama/llama3.2', HAIKU]);
    expect(refs(plan('mixed', 'auto'))).toEqual(['ollama/qwen2.5:7b', HAIKU]);
    expect(refs(plan('cloud', 'auto'))).toEqual([HAIKU, MINI]);
  });

  it('says so when there is no cloud to fall back to', () => {
    const bare = routerWith({ cloudFallback: [], rules: [{ name: 'r', targets: ['summary'] }] });
    const local = bare.plan({ model: 'auto' }, 'auto');
    expect(refs(local)).toEqual(['ollama/phi3']);
    expect(local.reason).toBe('rule r: catch-all; local only: no cloud fallback configured');
  });

  it('cloud-only removes local targets, recording them, and uses the fallback when nothing remains', () => {
    expect(plan('mixed', 'cloud-only')).toMatchObject({ mode: 'cloud-only', targets: [{ ref: HAIKU }], skipped: [{ ref: 'ollama/qwen2.5:7b', reason: 'mode: cloud-only' }] });
    const replaced = plan('local', 'cloud-only');
    expect(refs(replaced)).toEqual([HAIKU]);
    expect(replaced.skipped).toEqual([{ ref: 'ollama/phi3', reason: 'mode: cloud-only' }, { ref: 'ollama/llama3.2', reason: 'mode: cloud-only' }]);
    expect(replaced.reason).toBe('rule local-only-rule: task=local; cloud-only: using the cloud fallback');
    expect(refs(router.plan({ model: 'ollama/llama3.2' }, 'cloud-only'))).toEqual([HAIKU]);
  });

  it('cloud-only with no cloud fallback is a 503 naming mode and rule', () => {
    const bare = routerWith({ cloudFallback: [], rules: [{ name: 'r', targets: ['summary'] }] });
    const error = thrown(() => bare.plan({ model: 'auto' }, 'cloud-only'));
    expect(error).toBeInstanceOf(NoRouteError);
    expect((error as Error).message).toBe('No route in cloud-only mode: rule r has only local targets (ollama/phi3) and no cloud fallback is configured (routing.cloudFallback).');
  });

  it('local-only removes cloud targets and never appends the fallback', () => {
    expect(plan('mixed', 'local-only')).toMatchObject({ targets: [{ ref: 'ollama/qwen2.5:7b' }], skipped: [{ ref: HAIKU, reason: 'mode: local-only' }] });
    expect(refs(plan('local', 'local-only'))).toEqual(['ollama/phi3', 'ollama/llama3.2']);
    expect(refs(router.plan({ model: 'summary' }, 'local-only'))).toEqual(['ollama/phi3']);
  });

  it('local-only with nothing local is a 503 (code no_route) naming mode and rule', () => {
    const error = thrown(() => plan('cloud', 'local-only'));
    expect(error).toBeInstanceOf(NoRouteError);
    expect(error).toMatchObject({ status: 503, code: 'no_route', message: `No route in local-only mode: rule cloud-rule has no local target (${HAIKU}, ${MINI}).` });
    expect((thrown(() => router.plan({ model: 'fast' }, 'local-only')) as Error).message).toMatch(/local-only mode: alias fast/);
  });

  it('honours isLocalProvider and routing.local', () => {
    const allCloud = createRouter(makeRouterConfig({ rules: [] }), { isLocalProvider: () => false });
    expect(refs(allCloud.plan({ model: 'summary' }, 'auto'))).toEqual(['ollama/phi3']);
    const declared = routerWith({ local: ['ollama', 'openai'], rules: [] });
    expect(refs(declared.plan({ model: 'summary' }, 'auto'))).toEqual(['ollama/phi3', HAIKU]);
  });
});

describe('createRouter: timeouts, retry, cache', () => {
  const router = routerWith({
    defaults: { timeouts: { attemptMs: 40_000 }, retry: { maxRetries: 2 } },
    rules: [{ name: 'kb', match: { task: 'kb' }, targets: ['kb-analysis'], timeouts: { firstTokenMs: 20_000 }, retry: { maxRetries: 0 }, cache: { ttlSeconds: 300 } }],
  });

  it('merges per-rule overrides over the defaults', () => {
    expect(router.plan({ model: 'auto', task: 'kb' }, 'auto')).toMatchObject({
      timeouts: { attemptMs: 40_000, firstTokenMs: 20_000, totalMs: 120_000, queueWaitMs: 250 },
      retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 5_000 },
      cache: { ttlMs: 300_000 },
    });
    expect(router.plan({ model: 'summary' }, 'auto')).toMatchObject({
      timeouts: { attemptMs: 40_000, firstTokenMs: 30_000 },
      retry: { maxRetries: 2 },
    });
  });
});

describe('createRouter: caching and gates', () => {
  const router = routerWith({
    rules: [
      { name: 'fixed', match: { task: 'kb' }, targets: ['kb-analysis'] },
      { name: 'listed', match: { priority: ['medium', 'low'] }, targets: ['summary'] },
    ],
  });

  it('returns the same frozen plan object for the same rule and mode', () => {
    for (const mode of ['auto', 'cloud-only', 'local-only'] as const) {
      const first = router.plan({ model: 'auto', task: 'kb' }, mode);
      expect(router.plan({ model: 'summary', task: 'kb', team: 'x' }, mode)).toBe(first);
      expect(Object.isFrozen(first) && Object.isFrozen(first.targets)).toBe(true);
    }
    expect(router.plan({ model: 'auto', priority: 'low' }, 'auto')).toBe(router.plan({ model: 'summary', priority: 'low' }, 'auto'));
    expect(router.plan({ model: 'summary' }, 'auto')).toBe(router.plan({ model: 'summary' }, 'auto'));
    expect(router.plan({ model: 'openai/gpt-4o' }, 'auto')).toBe(router.plan({ model: 'openai/gpt-4o' }, 'auto'));
    expect(router.plan({ model: 'auto', task: 'kb' }, 'auto')).not.toBe(router.plan({ model: 'auto', task: 'kb' }, 'cloud-only'));
  });

  it('removes targets a gate refuses, recording why, and keeps the cached plan when it refuses none', () => {
    const big = router.plan({ model: 'reasoning' }, 'auto');
    expect(router.plan({ model: 'reasoning' }, 'auto', { canServe: () => true })).toBe(big);
    const gated = router.plan({ model: 'reasoning' }, 'auto', { canServe: (target) => target.modelId !== 'llama3.1:70b' });
    expect(refs(gated)).toEqual([HAIKU, MINI]);
    expect(gated.skipped).toEqual([{ ref: 'ollama/llama3.1:70b', reason: 'gate: not loadable' }]);
    expect(router.plan({ model: 'reasoning' }, 'auto')).toBe(big);
  });

  it('is a 503 when the gate leaves nothing', () => {
    const error = thrown(() => router.plan({ model: 'reasoning' }, 'local-only', { canServe: () => false }));
    expect(error).toBeInstanceOf(NoRouteError);
    expect((error as Error).message).toBe('No route in local-only mode: every target of alias:reasoning was refused by a gate (ollama/llama3.1:70b).');
  });
});

describe('createRouter: config problems', () => {
  it('refuses a config with bad references, naming them', () => {
    expect(() => routerWith({ rules: [{ name: 'r', targets: ['olama/x'] }] })).toThrow(/routing\.rules\.0\.targets\.0: 'olama\/x' names provider 'olama'/);
  });
});
