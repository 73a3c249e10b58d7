import type { ProviderKind } from '../core/index.js';
import type { PricingConfig } from './pricing-config-schema.js';

/**
 * What the `pricing` schema cannot see: whether each reference names a provider that has list
 * prices. A reference may name a configured anthropic/openai instance, or the type itself
 * (`anthropic/…`) when no instance is configured: savings can be measured against a price list
 * the gateway never calls. Returns one problem per bad reference, each naming its path.
 */
export function checkPricingReferences(pricing: PricingConfig, providers: Readonly<Record<string, { readonly type: ProviderKind }>>): string[] {
  const references: Array<[path: string, ref: string]> = [];
  if (pricing.reference.default !== undefined) references.push(['pricing.reference.default', pricing.reference.default]);
  for (const [task, ref] of Object.entries(pricing.reference.tasks)) references.push([`pricing.reference.tasks.${task}`, ref]);

  const problems: string[] = [];
  for (const [path, ref] of references) {
    const provider = ref.slice(0, ref.indexOf('/'));
    const type = Object.hasOwn(providers, provider) ? providers[provider]?.type : undefined;
    if (type === 'anthropic' || type === 'openai') continue;
    if (type !== undefined) {
      problems.push(`${path}: provider '${provider}' has type ${type}, which has no list prices; expected an anthropic or openai provider`);
    } else if (provider !== 'anthropic' && provider !== 'openai') {
      const known = Object.keys(providers).join(', ') || 'none';
      problems.push(`${path}: provider '${provider}' is not configured (configured: ${known}; anthropic/… and openai/… are always accepted)`);
    }
  }
  return problems;
}
