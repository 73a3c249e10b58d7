import type { Dispatcher } from 'undici';
import type { Provider } from '../core/index.js';
import type { ProviderConfig, TollgateConfig } from '../config/index.js';
import { createAnthropic, createOllama, createOllamaPool, createOpenAI } from '../providers/index.js';

/** The live provider instances, one per configured upstream, keyed by config name. */
export class ProviderRegistry {
  private readonly providers: ReadonlyMap<string, Provider>;

  constructor(providers: Iterable<Provider>) {
    this.providers = new Map([...providers].map((provider) => [provider.name, provider]));
  }

  static fromConfig(config: Pick<TollgateConfig, 'providers'>, options: { dispatcher?: Dispatcher } = {}): ProviderRegistry {
    return new ProviderRegistry(Object.entries(config.providers).map(([name, settings]) => createProvider(name, settings, options.dispatcher)));
  }

  get(name: string): Provider | undefined {
    return this.providers.get(name);
  }

  all(): Provider[] {
    return [...this.providers.values()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((provider) => provider.close()));
  }
}

export function createProvider(name: string, settings: ProviderConfig, dispatcher?: Dispatcher): Provider {
  const common = { name, headers: settings.headers, ...(dispatcher ? { dispatcher } : {}) };
  switch (settings.type) {
    case 'ollama': {
      const hostState = { vramGb: settings.vramGb, refreshMs: settings.refreshSeconds * 1000 };
      return settings.hosts
        ? createOllamaPool({ ...common, ...hostState, hosts: settings.hosts, slotsPerHost: settings.maxInFlight })
        : createOllama({ ...common, ...hostState, baseUrl: settings.baseUrl });
    }
    case 'openai':
      return createOpenAI({ ...common, baseUrl: settings.baseUrl, apiKey: settings.apiKey, organization: settings.organization, project: settings.project });
    case 'openai-compatible':
      return createOpenAI({ ...common, baseUrl: settings.baseUrl, apiKey: settings.apiKey, compatible: true });
    case 'anthropic':
      return createAnthropic({ ...common, baseUrl: settings.baseUrl, apiKey: settings.apiKey, version: settings.version, defaultMaxTokens: settings.defaultMaxTokens });
  }
}
