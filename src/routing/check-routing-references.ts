import { cloudFallbackOf } from './default-routing-rules.js';
import { isUnresolved, localProviderTest, resolveRouteTarget, type RouterConfig } from './resolve-route-target.js';

/**
 * What the routing schema cannot see on its own: targets that name unknown aliases or providers,
 * cloud fallbacks that are local, timeouts that contradict each other. Returns path-precise
 * problems (`routing.rules.2.targets.0: …`), empty when all is well; load-config's cross-check
 * reports them with the schema's own. Explicitly written rules only: the default policy is built
 * from what is configured, so it cannot name anything missing.
 */
export function checkRoutingReferences(config: RouterConfig): string[] {
  const problems: string[] = [];
  const { routing } = config;
  const isLocal = localProviderTest(config);

  routing.local?.forEach((name, index) => {
    if (!Object.hasOwn(config.providers, name)) {
      problems.push(`routing.local.${index}: provider '${name}' is not configured (configured: ${Object.keys(config.providers).join(', ') || 'none'})`);
    }
  });

  if (Object.hasOwn(config.models, 'auto')) {
    problems.push(`models.auto: 'auto' is reserved for the routing complexity estimate; choose another alias name`);
  }

  const check = (name: string, path: string) => {
    const target = resolveRouteTarget(name, config, isLocal);
    if (isUnresolved(target)) problems.push(`${path}: ${target.problem}`);
    return target;
  };

  routing.cloudFallback?.forEach((name, index) => {
    const target = check(name, `routing.cloudFallback.${index}`);
    if (!isUnresolved(target) && target.local) {
      problems.push(`routing.cloudFallback.${index}: '${name}' runs on local provider '${target.provider}'; the fallback exists for when local fails`);
    }
  });

  routing.rules?.forEach((rule, ruleIndex) => {
    rule.targets.forEach((name, index) => check(name, `routing.rules.${ruleIndex}.targets.${index}`));
    const timeouts = { ...routing.defaults.timeouts, ...rule.timeouts };
    checkTimeouts(timeouts, `routing.rules.${ruleIndex}.timeouts`, problems);
    const retry = { ...routing.defaults.retry, ...rule.retry };
    if (retry.baseDelayMs > retry.maxDelayMs) {
      problems.push(`routing.rules.${ruleIndex}.retry: baseDelayMs (${retry.baseDelayMs}) exceeds maxDelayMs (${retry.maxDelayMs})`);
    }
  });
  checkTimeouts(routing.defaults.timeouts, 'routing.defaults.timeouts', problems);
  if (routing.defaults.retry.baseDelayMs > routing.defaults.retry.maxDelayMs) {
    problems.push(`routing.defaults.retry: baseDelayMs (${routing.defaults.retry.baseDelayMs}) exceeds maxDelayMs (${routing.defaults.retry.maxDelayMs})`);
  }

  for (const field of ['smallModel', 'largeModel', 'cloudModel'] as const) {
    const name = routing.auto[field];
    if (name !== undefined) check(name, `routing.auto.${field}`);
  }

  if (routing.mode === 'cloud-only' && cloudFallbackOf(config).length === 0 && !Object.keys(config.providers).some((name) => !isLocal(name))) {
    problems.push(`routing.mode: cloud-only needs a cloud provider, and none is configured`);
  }
  return problems;
}

function checkTimeouts(timeouts: { attemptMs: number; firstTokenMs: number; totalMs: number }, path: string, problems: string[]): void {
  // A per-attempt or first-token limit above the total could never fire: almost certainly a typo.
  if (timeouts.attemptMs > timeouts.totalMs) problems.push(`${path}: attemptMs (${timeouts.attemptMs}) exceeds totalMs (${timeouts.totalMs})`);
  if (timeouts.firstTokenMs > timeouts.totalMs) problems.push(`${path}: firstTokenMs (${timeouts.firstTokenMs}) exceeds totalMs (${timeouts.totalMs})`);
}
