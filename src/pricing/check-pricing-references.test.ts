import { describe, expect, it } from 'vitest';
import { checkPricingReferences } from './check-pricing-references.js';
import { pricingConfigSchema } from './pricing-config-schema.js';

const providers = { ollama: { type: 'ollama' }, claude: { type: 'anthropic' } } as const;

describe('pricing references', () => {
  it('accept a configured cloud instance, or a cloud provider type by name', () => {
    const pricing = pricingConfigSchema.parse({ reference: { default: 'claude/claude-haiku-5-5', tasks: { summary: 'openai/gpt-4o-mini', kb: 'anthropic/claude-haiku-5-5' } } });
    expect(checkPricingReferences(pricing, providers)).toEqual([]);
  });

  it('name the path of a local or unknown provider', () => {
    const pricing = pricingConfigSchema.parse({ reference: { default: 'ollama/qwen2.5:7b', tasks: { summary: 'antropic/claude-haiku-5-5' } } });
    expect(checkPricingReferences(pricing, providers)).toEqual([
      "pricing.reference.default: provider 'ollama' has type ollama, which has no list prices; expected an anthropic or openai provider",
      "pricing.reference.tasks.summary: provider 'antropic' is not configured (configured: ollama, claude; anthropic/… and openai/… are always accepted)",
    ]);
  });
});
