import { describe, expect, it } from 'vitest';
import { defaultConfigInput, validateConfig } from '../config/index.js';
import type { RequestMeta, RoutePlan } from '../core/index.js';
import { createRouter } from './create-router.js';
import { cloudFallbackOf, defaultRoutingRules } from './default-routing-rules.js';
import { routingConfigSchema } from './routing-config-schema.js';
import { makeRouterConfig } from './testing/make-router-config.js';

const HAIKU = 'anthropic/claude-haiku-5-5';
const MINI = 'openai/gpt-4o-mini';

/** The embedded default config (Ollama + the clouds whose keys are set) with no `routing.rules`. */
function defaultsWith(env: Record<string, string>) {
  return { ...validateConfig(defaultConfigInput(env), 'test'), routing: routingConfigSchema.parse({}) };
}

const refs = (plan: RoutePlan) => plan.targets.map((target) => target.ref);

describe('the default routing policy', () => {
  const config = defaultsWith({ ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' });
  const router = createRouter(config);
  const plan = (meta: Omit<RequestMeta, 'model'>, model = 'auto') => router.plan({ model, ...meta }, 'auto');

  it('is concrete data for this config, naming aliases where they exist', () => {
    expect(defaultRoutingRules(config).map((rule) => [rule.name, rule.match, rule.targets])).toEqual([
      ['high-priority', { priority: 'high' }, [HAIKU, MINI, 'agent']],
      ['kb-analysis', { task: 'kb-analysis' }, ['kb-analysis', HAIKU, MINI]],
      ['agent-l2-l3', { tier: ['L2', 'L3'] }, ['agent', HAIKU, MINI]],
      ['agent-l1', { tier: 'L1' }, [HAIKU, MINI]],
      ['summary', { task: 'summary' }, ['summary', HAIKU, MINI]],
      ['reasoning', { task: 'reasoning' }, ['reasoning', HAIKU, MINI]],
    ]);
  });

  it('knowledge-base analysis at medium/low (or unstated) priority → local qwen2.5:7b, then cloud', () => {
    for (const priority of ['medium', 'low', undefined] as const) {
      const kb = plan({ task: 'kb-analysis', ...(priority ? { priority } : {}) }, 'kb-analysis');
      expect(kb.rule).toBe('rules.kb-analysis');
      expect(refs(kb)).toEqual(['ollama/qwen2.5:7b', HAIKU, MINI]);
      expect(kb.targets[0]?.ollama).toEqual({ numCtx: 8192 });
    }
  });

  it('anything at high priority → cloud first, then local', () => {
    for (const meta of [{ priority: 'high', task: 'kb-analysis' }, { priority: 'high', tier: 'L3' }, { priority: 'high' }] as const) {
      const high = plan(meta);
      expect(high).toMatchObject({ rule: 'rules.high-priority', reason: 'rule high-priority: priority=high' });
      expect(refs(high)).toEqual([HAIKU, MINI, 'ollama/llama3.2']);
    }
  });

  it('L2/L3 agents → local llama3.2, then cloud; L1 agents → cloud', () => {
    expect(plan({ tier: 'L2' }, 'agent')).toMatchObject({ rule: 'rules.agent-l2-l3', reason: 'rule agent-l2-l3: tier=L2' });
    expect(refs(plan({ tier: 'L3' }))).toEqual(['ollama/llama3.2', HAIKU, MINI]);
    expect(plan({ tier: 'L1' }, 'agent')).toMatchObject({ rule: 'rules.agent-l1' });
    expect(refs(plan({ tier: 'L1' }))).toEqual([HAIKU, MINI]);
  });

  it('quick summaries → local phi3, then cloud', () => {
    expect(plan({ task: 'summary' })).toMatchObject({ rule: 'rules.summary' });
    expect(refs(plan({ task: 'summary' }))).toEqual(['ollama/phi3', HAIKU, MINI]);
  });

  it('hard reasoning → local llama3.1:70b when a gate allows it, then cloud', () => {
    expect(refs(plan({ task: 'reasoning' }))).toEqual(['ollama/llama3.1:70b', HAIKU, MINI]);
    const gated = router.plan({ model: 'auto', task: 'reasoning' }, 'auto', { canServe: (target) => !target.modelId.includes('70b') });
    expect(refs(gated)).toEqual([HAIKU, MINI]);
    expect(gated.skipped).toEqual([{ ref: 'ollama/llama3.1:70b', reason: 'gate: not loadable' }]);
  });

  it('leaves other requests to their alias or the auto estimate', () => {
    expect(plan({}, 'embed').rule).toBe('alias:embed');
    expect(plan({ estimatedInputTokens: 3200 })).toMatchObject({ rule: 'auto:large', reason: 'auto: 3200 input tokens ≥ 2000 → reasoning' });
  });

  it('uses whichever cloud is configured', () => {
    expect(cloudFallbackOf(defaultsWith({ ANTHROPIC_API_KEY: 'a' }))).toEqual([HAIKU]);
    expect(cloudFallbackOf(defaultsWith({ OPENAI_API_KEY: 'o' }))).toEqual([MINI]);
    const onlyOpenAi = createRouter(defaultsWith({ OPENAI_API_KEY: 'o' }));
    expect(refs(onlyOpenAi.plan({ model: 'auto', task: 'kb-analysis' }, 'auto'))).toEqual(['ollama/qwen2.5:7b', MINI]);
  });

  it('with no cloud configured, plans are local only and say so; L1 falls through to its alias', () => {
    const local = createRouter(defaultsWith({}));
    const kb = local.plan({ model: 'auto', task: 'kb-analysis' }, 'auto');
    expect(refs(kb)).toEqual(['ollama/qwen2.5:7b']);
    expect(kb.reason).toBe('rule kb-analysis: task=kb-analysis; local only: no cloud fallback configured');
    expect(refs(local.plan({ model: 'auto', priority: 'high' }, 'auto'))).toEqual(['ollama/llama3.2']);
    expect(local.plan({ model: 'agent', tier: 'L1' }, 'auto').rule).toBe('alias:agent');
  });

  it('with no local provider, every line goes to the cloud', () => {
    const cloud = createRouter(makeRouterConfig({}, { providers: { anthropic: { type: 'anthropic', apiKey: 'k' } }, models: {} }));
    expect(refs(cloud.plan({ model: 'auto', task: 'kb-analysis' }, 'auto'))).toEqual([HAIKU]);
    expect(refs(cloud.plan({ model: 'auto', tier: 'L2' }, 'auto'))).toEqual([HAIKU]);
  });
});
