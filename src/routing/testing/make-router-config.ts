import { configSchema, type ConfigInput } from '../../config/index.js';
import type { RouterConfig } from '../resolve-route-target.js';
import { routingConfigSchema, type RoutingConfigInput } from '../routing-config-schema.js';

/** Ollama locally, both clouds, the default aliases plus a cloud one: what most tests route over. */
export const TEST_PROVIDERS_AND_MODELS: ConfigInput = {
  providers: {
    ollama: { type: 'ollama' },
    anthropic: { type: 'anthropic', apiKey: 'k' },
    openai: { type: 'openai', apiKey: 'k' },
  },
  models: {
    'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 8192, keepAlive: '10m' },
    summary: 'ollama/phi3',
    reasoning: 'ollama/llama3.1:70b',
    fast: 'anthropic/claude-haiku-5-5',
  },
};

/** A validated RouterConfig from a `routing:` section and (optionally) other providers/models. */
export function makeRouterConfig(routing: RoutingConfigInput, base: ConfigInput = TEST_PROVIDERS_AND_MODELS): RouterConfig {
  const { providers, models } = configSchema.parse(base);
  return { providers, models, routing: routingConfigSchema.parse(routing) };
}
