import type { ProviderKind } from '../core/index.js';
import type { RoutingRuleConfig, RuleMatch } from './routing-config-schema.js';
import { localProviderTest, type RouterConfig } from './resolve-route-target.js';

/** `cloud` expands to the cloud fallback list; `{ local }` is that model on the default local (Ollama) host. */
export type DefaultTarget = 'cloud' | { readonly local: string };

export interface DefaultRoutingRule {
  readonly name: string;
  readonly description: string;
  readonly match: RuleMatch;
  readonly targets: readonly DefaultTarget[];
}

/**
 * The policy used when the config has no `routing.rules`, as data. First match wins, so
 * `high-priority` comes first: every later rule then sees only medium, low or unstated priority
 * (an unstated priority is treated as normal work, which is why `kb-analysis` matches on task
 * alone). A task rule beats a tier rule further down; L1 and L2/L3 never overlap.
 */
export const DEFAULT_ROUTING_RULES: readonly DefaultRoutingRule[] = Object.freeze([
  { name: 'high-priority', description: 'urgent work: cloud first, local if the cloud fails', match: { priority: 'high' }, targets: ['cloud', { local: 'llama3.2' }] },
  { name: 'kb-analysis', description: 'knowledge-base analysis at medium/low priority', match: { task: 'kb-analysis' }, targets: [{ local: 'qwen2.5:7b' }, 'cloud'] },
  { name: 'agent-l2-l3', description: 'sub-agents', match: { tier: ['L2', 'L3'] }, targets: [{ local: 'llama3.2' }, 'cloud'] },
  { name: 'agent-l1', description: 'top-level agents need the strongest model', match: { tier: 'L1' }, targets: ['cloud'] },
  { name: 'summary', description: 'quick summaries', match: { task: 'summary' }, targets: [{ local: 'phi3' }, 'cloud'] },
  { name: 'reasoning', description: 'hard reasoning; 70B only where a host can serve it (plan gate)', match: { task: 'reasoning' }, targets: [{ local: 'llama3.1:70b' }, 'cloud'] },
]);

/** The cheap cloud model per provider kind, in fallback order. Data, not logic: prices change, so does this. */
export const DEFAULT_CLOUD_MODELS: ReadonlyArray<{ readonly kind: ProviderKind; readonly model: string }> = Object.freeze([
  { kind: 'anthropic', model: 'claude-haiku-5-5' },
  { kind: 'openai', model: 'gpt-4o-mini' },
]);

/** `routing.cloudFallback`, or the default: the cheap model of the first cloud provider of each kind. */
export function cloudFallbackOf(config: RouterConfig): readonly string[] {
  if (config.routing.cloudFallback) return config.routing.cloudFallback;
  const isLocal = localProviderTest(config);
  const providers = Object.entries(config.providers);
  const fallback: string[] = [];
  for (const { kind, model } of DEFAULT_CLOUD_MODELS) {
    const found = providers.find(([name, settings]) => settings.type === kind && !isLocal(name));
    if (found) fallback.push(`${found[0]}/${model}`);
  }
  return fallback;
}

/** `routing.rules`, or the default policy made concrete for this config. */
export function routingRulesOf(config: RouterConfig): readonly RoutingRuleConfig[] {
  return config.routing.rules ?? defaultRoutingRules(config);
}

/**
 * DEFAULT_ROUTING_RULES made concrete: local models go to the first local Ollama provider (named
 * by the alias that points at them when there is one, so the alias's numCtx/keepAlive apply),
 * `cloud` becomes the cloud fallback. A line left with no target (no local host, or L1 with no
 * cloud) is dropped, so requests fall through to aliases and the `auto` estimate.
 */
export function defaultRoutingRules(config: RouterConfig): RoutingRuleConfig[] {
  const isLocal = localProviderTest(config);
  const host = Object.entries(config.providers).find(([name, settings]) => settings.type === 'ollama' && isLocal(name))?.[0];
  const cloud = cloudFallbackOf(config);
  const aliasFor = (ref: string) => Object.entries(config.models).find(([, entry]) => entry.target === ref)?.[0] ?? ref;

  const rules: RoutingRuleConfig[] = [];
  for (const rule of DEFAULT_ROUTING_RULES) {
    const targets = rule.targets.flatMap((target) => {
      if (target === 'cloud') return [...cloud];
      return host === undefined ? [] : [aliasFor(`${host}/${target.local}`)];
    });
    if (targets.length > 0) rules.push({ name: rule.name, description: rule.description, match: rule.match, targets });
  }
  return rules;
}
