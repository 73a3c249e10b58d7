import {
  ModelNotFoundError,
  NoRouteError,
  type RequestMeta,
  type RetryPolicy,
  type RouteTarget,
  type RoutePlan,
  type RoutingMode,
  type Timeouts,
} from '../core/index.js';
import { checkRoutingReferences } from './check-routing-references.js';
import { compileRuleMatch, matchesAll, type MatchCondition } from './compile-rule-match.js';
import { cloudFallbackOf, routingRulesOf } from './default-routing-rules.js';
import { isUnresolved, localProviderTest, resolveRouteTarget, type IsLocalProvider, type RouterConfig } from './resolve-route-target.js';
import type { MatchKey, RoutingRuleConfig } from './routing-config-schema.js';

/** Live checks the pure policy cannot make itself (is the 70B loaded or loadable?). */
export interface PlanGates {
  /** False removes the target from the plan (recorded in `skipped`). Default: always true. */
  canServe?(target: RouteTarget): boolean;
}

export interface Router {
  /** Picks the targets for one request. Throws ModelNotFoundError (404) or NoRouteError (503). */
  plan(meta: RequestMeta, mode: RoutingMode, gates?: PlanGates): RoutePlan;
}

export interface RouterOptions {
  /** Overrides which providers count as local (default: `routing.local`, else ollama and openai-compatible). */
  readonly isLocalProvider?: IsLocalProvider;
}

/** The `model` value that asks for the complexity estimate. */
export const AUTO_MODEL = 'auto';

/** Bounds on per-request caches, so a client cycling through names cannot grow memory without end. */
const MAX_EXPLICIT_TARGETS = 10_000;
const MAX_RULE_VARIANTS = 1_000;

const EMPTY_SKIPPED: RoutePlan['skipped'] = Object.freeze([]);
const GATE_REASON = 'gate: not loadable';

/** Everything a plan needs except the mode: built once at createRouter. */
interface RouteSource {
  /** RoutePlan.rule: `rules.<name>`, `alias:<name>`, `explicit`, `auto:<tier>`. */
  readonly rule: string;
  /** Who chose, for error messages: `rule kb-analysis`, `alias summary`. */
  readonly label: string;
  readonly reason: string;
  readonly targets: readonly RouteTarget[];
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  readonly cache: RoutePlan['cache'];
}

interface PlanContext {
  readonly cloudFallback: readonly RouteTarget[];
}

/** One source's plan per mode, built on first use and then returned as the same frozen object. */
class PlanSlot {
  private readonly outcomes = new Map<RoutingMode, RoutePlan | string>();

  constructor(
    readonly source: RouteSource,
    private readonly context: PlanContext,
  ) {}

  plan(mode: RoutingMode): RoutePlan {
    let outcome = this.outcomes.get(mode);
    if (outcome === undefined) {
      outcome = buildPlan(this.source, mode, this.context);
      this.outcomes.set(mode, outcome);
    }
    // A failure is cached as its message; each request still gets its own error (own stack, no shared state).
    if (typeof outcome === 'string') throw new NoRouteError(outcome);
    return outcome;
  }
}

/**
 * Applies the mode to a source. `auto` appends the cloud fallback to an all-local list (the
 * promise: local failing never means down); `cloud-only` drops local targets and falls back to
 * the cloud list when nothing remains; `local-only` drops cloud targets. Returns the plan, or the
 * NoRouteError message when the mode leaves nothing.
 */
function buildPlan(source: RouteSource, mode: RoutingMode, context: PlanContext): RoutePlan | string {
  let targets: readonly RouteTarget[] = source.targets;
  let skipped = EMPTY_SKIPPED;
  let note = '';
  const refs = () => source.targets.map((target) => target.ref).join(', ');

  if (mode === 'auto') {
    if (targets.every((target) => target.local)) {
      if (context.cloudFallback.length > 0) targets = [...targets, ...context.cloudFallback];
      else note = '; local only: no cloud fallback configured';
    }
  } else {
    const keepLocal = mode === 'local-only';
    targets = source.targets.filter((target) => target.local === keepLocal);
    const removed = source.targets.filter((target) => target.local !== keepLocal);
    if (removed.length > 0) skipped = removed.map((target) => Object.freeze({ ref: target.ref, reason: `mode: ${mode}` }));
    if (targets.length === 0 && !keepLocal) {
      if (context.cloudFallback.length === 0) {
        return `No route in cloud-only mode: ${source.label} has only local targets (${refs()}) and no cloud fallback is configured (routing.cloudFallback).`;
      }
      targets = context.cloudFallback;
      note = '; cloud-only: using the cloud fallback';
    }
    if (targets.length === 0) return `No route in local-only mode: ${source.label} has no local target (${refs()}).`;
  }

  return Object.freeze({
    rule: source.rule,
    reason: source.reason + note,
    targets: Object.freeze([...targets]),
    skipped: Object.freeze(skipped),
    timeouts: source.timeouts,
    retry: source.retry,
    ...(source.cache ? { cache: source.cache } : {}),
    mode,
  });
}

/** A rule compiled: its conditions, and its plan slots keyed by the values its non-exact conditions matched. */
interface CompiledRule {
  readonly name: string;
  readonly conditions: readonly MatchCondition[];
  readonly matchesModel: boolean;
  readonly targets: readonly RouteTarget[];
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  readonly cache: RoutePlan['cache'];
  /** Set when every condition is one exact value: the reason, and so the plan, never varies. */
  readonly fixed: PlanSlot | undefined;
  /** Conditions whose matched value appears in the reason (lists, globs). */
  readonly variantKeys: readonly MatchKey[];
  readonly variants: VariantNode;
  variantCount: number;
}

interface VariantNode {
  readonly children: Map<string, VariantNode>;
  slot?: PlanSlot;
}

/**
 * Compiles the routing policy into a Router. All parsing, target resolution, glob compilation and
 * timeout/retry merging happens here, so `plan()` only matches and returns a prebuilt plan.
 * Throws when the config has reference problems (load-config reports those earlier, with paths).
 */
export function createRouter(config: RouterConfig, options: RouterOptions = {}): Router {
  const problems = checkRoutingReferences(config);
  if (problems.length > 0) throw new Error(`Invalid routing configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);

  const isLocal = options.isLocalProvider ?? localProviderTest(config);
  const resolve = (name: string): RouteTarget => {
    const target = resolveRouteTarget(name, config, isLocal);
    if (isUnresolved(target)) throw new Error(`Invalid routing configuration: ${target.problem}`);
    return target;
  };

  const defaults = config.routing.defaults;
  const defaultTimeouts: Timeouts = Object.freeze({ ...defaults.timeouts });
  const defaultRetry: RetryPolicy = Object.freeze({ ...defaults.retry });
  const context: PlanContext = { cloudFallback: Object.freeze(cloudFallbackOf(config).map(resolve)) };
  const slot = (source: Omit<RouteSource, 'timeouts' | 'retry' | 'cache'> & Partial<RouteSource>) =>
    new PlanSlot({ timeouts: defaultTimeouts, retry: defaultRetry, cache: undefined, ...source }, context);

  const rules = routingRulesOf(config).map((rule) => compileRule(rule, resolve, defaultTimeouts, defaultRetry, context));
  // Unknown model names may still be caught by a rule that matches on `model` (e.g. `gpt-4*`),
  // but never by a catch-all: a typo in `model` must stay a 404, not a silent reroute.
  const modelRules = rules.filter((rule) => rule.matchesModel);

  const aliases = new Map<string, PlanSlot>();
  for (const name of Object.keys(config.models)) {
    if (name === AUTO_MODEL) continue;
    aliases.set(name, slot({ rule: `alias:${name}`, label: `alias ${name}`, reason: `alias ${name}`, targets: [resolve(name)] }));
  }

  const providers = new Set(Object.keys(config.providers));
  const explicit = new Map<string, PlanSlot>();
  const explicitSlot = (model: string): PlanSlot | undefined => {
    const cached = explicit.get(model);
    if (cached) return cached;
    const slash = model.indexOf('/');
    if (slash <= 0 || slash === model.length - 1 || !providers.has(model.slice(0, slash))) return undefined;
    const provider = model.slice(0, slash);
    const target: RouteTarget = Object.freeze({ ref: model, provider, modelId: model.slice(slash + 1), local: isLocal(provider) });
    const created = slot({ rule: 'explicit', label: `explicit target ${model}`, reason: 'explicit target', targets: [target] });
    if (explicit.size < MAX_EXPLICIT_TARGETS) explicit.set(model, created);
    return created;
  };

  const auto = compileAuto(config, resolve, context, slot);

  const notFound = (model: string) => {
    const hint = [...aliases.keys(), AUTO_MODEL].slice(0, 12).join(', ');
    return new ModelNotFoundError(
      model,
      `The model '${model}' is not configured. Use an alias (${hint}) or provider/model with a configured provider (${[...providers].join(', ') || 'none'}).`,
    );
  };

  const choose = (meta: RequestMeta, mode: RoutingMode): RoutePlan => {
    const model = meta.model;
    const alias = model === AUTO_MODEL ? undefined : aliases.get(model);
    if (alias !== undefined || model === AUTO_MODEL) {
      // Rules first, so that e.g. priority high beats the alias the client named.
      const rule = firstMatch(rules, meta);
      if (rule) return ruleSlot(rule, meta, context).plan(mode);
      return alias ? alias.plan(mode) : auto(meta, mode);
    }
    // An explicit provider/model means exactly that target: rules do not redirect it.
    const target = explicitSlot(model);
    if (target) return target.plan(mode);
    const rule = firstMatch(modelRules, meta);
    if (rule) return ruleSlot(rule, meta, context).plan(mode);
    throw notFound(model);
  };

  return {
    plan(meta, mode, gates) {
      const plan = choose(meta, mode);
      return gates?.canServe ? applyGate(plan, gates) : plan;
    },
  };
}

function firstMatch(rules: readonly CompiledRule[], meta: RequestMeta): CompiledRule | undefined {
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    if (matchesAll(rule.conditions, meta)) return rule;
  }
  return undefined;
}

function compileRule(
  rule: RoutingRuleConfig,
  resolve: (name: string) => RouteTarget,
  defaultTimeouts: Timeouts,
  defaultRetry: RetryPolicy,
  context: PlanContext,
): CompiledRule {
  const conditions = compileRuleMatch(rule.match);
  const timeouts = rule.timeouts ? Object.freeze({ ...defaultTimeouts, ...definedOnly(rule.timeouts) }) : defaultTimeouts;
  const retry = rule.retry ? Object.freeze({ ...defaultRetry, ...definedOnly(rule.retry) }) : defaultRetry;
  const cache = rule.cache ? Object.freeze({ ttlMs: rule.cache.ttlSeconds * 1000 }) : undefined;
  const targets = Object.freeze(rule.targets.map(resolve));
  const variantKeys = conditions.filter((condition) => condition.exact === undefined).map((condition) => condition.key);
  const compiled: CompiledRule = {
    name: rule.name,
    conditions,
    matchesModel: conditions.some((condition) => condition.key === 'model'),
    targets,
    timeouts,
    retry,
    cache,
    fixed: undefined,
    variantKeys,
    variants: { children: new Map() },
    variantCount: 0,
  };
  if (variantKeys.length > 0) return compiled;
  const reason = conditions.length === 0
    ? `rule ${rule.name}: catch-all`
    : `rule ${rule.name}: ${conditions.map((condition) => `${condition.key}=${condition.exact ?? ''}`).join(' ')}`;
  return { ...compiled, fixed: new PlanSlot(ruleSource(compiled, reason), context) };
}

function ruleSource(rule: CompiledRule, reason: string): RouteSource {
  return { rule: `rules.${rule.name}`, label: `rule ${rule.name}`, reason, targets: rule.targets, timeouts: rule.timeouts, retry: rule.retry, cache: rule.cache };
}

/**
 * The slot for a matched rule. Rules with lists or globs name the matched values in their reason
 * (`priority=medium`), so their plans are cached per combination of those values: still no
 * allocation on repeat, and bounded so unbounded values (`team: '*'`) cannot grow memory.
 */
function ruleSlot(rule: CompiledRule, meta: RequestMeta, context: PlanContext): PlanSlot {
  if (rule.fixed) return rule.fixed;
  let node = rule.variants;
  for (const key of rule.variantKeys) {
    const value = meta[key] ?? '';
    let next = node.children.get(value);
    if (next === undefined) {
      if (rule.variantCount >= MAX_RULE_VARIANTS) return new PlanSlot(ruleSource(rule, ruleReason(rule, meta)), context);
      next = { children: new Map() };
      node.children.set(value, next);
    }
    node = next;
  }
  if (node.slot === undefined) {
    node.slot = new PlanSlot(ruleSource(rule, ruleReason(rule, meta)), context);
    rule.variantCount++;
  }
  return node.slot;
}

function ruleReason(rule: CompiledRule, meta: RequestMeta): string {
  return `rule ${rule.name}: ${rule.conditions.map((condition) => `${condition.key}=${meta[condition.key] ?? ''}`).join(' ')}`;
}

type Tier = 'small' | 'large' | 'cloud';

/**
 * The complexity estimate for `model: auto` when no rule matched (thresholds documented on the
 * `routing.auto` schema). Reasons naming a token count are built per request (one small object);
 * the rest are cached like every other plan.
 */
function compileAuto(
  config: RouterConfig,
  resolve: (name: string) => RouteTarget,
  context: PlanContext,
  slot: (source: Omit<RouteSource, 'timeouts' | 'retry' | 'cache'>) => PlanSlot,
): (meta: RequestMeta, mode: RoutingMode) => RoutePlan {
  const settings = config.routing.auto;
  const named = (explicit: string | undefined, fallbackAlias: string) =>
    explicit ?? (Object.hasOwn(config.models, fallbackAlias) ? fallbackAlias : undefined);
  const smallName = named(settings.smallModel, 'summary');
  const largeName = named(settings.largeModel, 'reasoning');
  const tierTargets: Record<Tier, { label: string; targets: readonly RouteTarget[] } | undefined> = {
    small: smallName === undefined ? undefined : { label: smallName, targets: [resolve(smallName)] },
    large: largeName === undefined ? undefined : { label: largeName, targets: [resolve(largeName)] },
    cloud: settings.cloudModel !== undefined
      ? { label: settings.cloudModel, targets: [resolve(settings.cloudModel)] }
      : context.cloudFallback.length > 0 ? { label: 'cloud', targets: context.cloudFallback } : undefined,
  };
  const order: Record<Tier, readonly Tier[]> = { small: ['small', 'large', 'cloud'], large: ['large', 'cloud', 'small'], cloud: ['cloud', 'large', 'small'] };
  const pick = (tier: Tier) => order[tier].map((candidate) => tierTargets[candidate]).find((found) => found !== undefined);

  const { largePromptTokens: large, cloudPromptTokens: cloud } = settings;
  const make = (tier: Tier, why: string) => {
    const chosen = pick(tier);
    if (!chosen) return undefined;
    const reason = `auto: ${why} → ${chosen.label}`;
    return { slot: slot({ rule: `auto:${tier}`, label: `model auto (${tier} tier)`, reason, targets: chosen.targets }), label: chosen.label };
  };
  const images = make('cloud', 'images');
  const cloudPrompt = make('cloud', `input tokens ≥ ${cloud}`);
  const tools = make('large', 'tools');
  const largePrompt = make('large', `input tokens ≥ ${large}`);
  const smallPrompt = make('small', `input tokens < ${large}`);
  const unsized = make('small', 'no size estimate');
  const largeTasks = new Map(settings.largeTasks.map((task) => [task, make('large', `task ${task}`)]));

  const withCount = (chosen: NonNullable<typeof images>, mode: RoutingMode, why: string): RoutePlan => {
    const plan = chosen.slot.plan(mode);
    // The mode may have appended a note to the cached reason; keep it after the new text.
    const note = plan.reason.slice(chosen.slot.source.reason.length);
    return Object.freeze({ ...plan, reason: `auto: ${why} → ${chosen.label}${note}` });
  };

  return (meta, mode) => {
    if (!smallPrompt) throw new NoRouteError('No route for model auto: no auto target is configured (routing.auto.smallModel / largeModel, or a cloud provider).');
    const tokens = meta.estimatedInputTokens;
    if (meta.hasImages && images) return images.slot.plan(mode);
    if (tokens !== undefined && tokens >= cloud && cloudPrompt) return withCount(cloudPrompt, mode, `${tokens} input tokens ≥ ${cloud}`);
    if (meta.hasTools && tools) return tools.slot.plan(mode);
    if (tokens !== undefined && tokens >= large && largePrompt) return withCount(largePrompt, mode, `${tokens} input tokens ≥ ${large}`);
    const forTask = meta.task === undefined ? undefined : largeTasks.get(meta.task);
    if (forTask) return forTask.slot.plan(mode);
    if (tokens === undefined && unsized) return unsized.slot.plan(mode);
    return withCount(smallPrompt, mode, `${tokens ?? 0} input tokens < ${large}`);
  };
}

/** Removes the targets a gate refuses; returns the same plan object when it refuses none. */
function applyGate(plan: RoutePlan, gates: PlanGates): RoutePlan {
  let refused: RouteTarget[] | undefined;
  for (const target of plan.targets) {
    if (gates.canServe?.(target) === false) (refused ??= []).push(target);
  }
  if (!refused) return plan;
  const gone = new Set(refused);
  const targets = plan.targets.filter((target) => !gone.has(target));
  if (targets.length === 0) {
    throw new NoRouteError(`No route in ${plan.mode} mode: every target of ${plan.rule} was refused by a gate (${refused.map((target) => target.ref).join(', ')}).`);
  }
  return Object.freeze({
    ...plan,
    targets: Object.freeze(targets),
    skipped: Object.freeze([...plan.skipped, ...refused.map((target) => Object.freeze({ ref: target.ref, reason: GATE_REASON }))]),
  });
}

/** Drops keys whose value is undefined, so an override never blanks a default. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
