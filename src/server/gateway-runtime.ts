import type { Dispatcher } from 'undici';
import type { RoutingMode } from '../core/index.js';
import type { TollgateConfig } from '../config/index.js';
import { createRouter, type PlanGates, type Router } from '../routing/create-router.js';
import { createModelResolver, type ResolvedTarget } from '../routing/resolve-model.js';
import { localProviderTest } from '../routing/resolve-route-target.js';
import { createExecutor, type Executor } from '../execution/executor.js';
import { ProviderRegistry } from '../execution/provider-registry.js';
import { ResponseCache } from '../execution/response-cache.js';
import { EMPTY_PRICE_CATALOG, priceBookFrom, type PriceBook, type PriceCatalog } from '../pricing/index.js';
import { redirectLocalProviders } from './drill-mode.js';

/** Everything built from one config. A request takes one snapshot and uses it to the end. */
export interface GatewaySnapshot {
  readonly config: TollgateConfig;
  readonly router: Router;
  readonly executor: Executor;
  readonly registry: ProviderRegistry;
  /** Alias / provider-model lookup for the endpoints that take one target (embeddings, count_tokens). */
  readonly resolveModel: (model: string) => ResolvedTarget;
  /** Live checks for router.plan (is the 70B loaded or loadable?), built once with the providers they ask. */
  readonly gates: PlanGates;
  /** Whether a provider runs on our own hardware (costs energy, not tokens). */
  readonly isLocal: (provider: string) => boolean;
  /** Prices from this config's `pricing` over the built-in catalogue. */
  readonly priceBook: PriceBook;
}

/**
 * The live, swappable state of a running gateway: the current snapshot and the routing mode.
 * Reload builds a whole new snapshot from a validated config and swaps it in one assignment, so a
 * request never sees half of each; requests already running finish on the snapshot they took.
 * The kill switch (`setMode`) survives reloads: an operator's emergency rollback must not be undone
 * by someone editing the config file.
 */
export class GatewayRuntime {
  /** What new requests take: `configured`, or during a drill the same config with its local providers redirected. */
  private current: GatewaySnapshot;
  private configured: GatewaySnapshot;
  private modeOverride: RoutingMode | undefined;
  /** Set during a fallback drill: the closed port every local provider calls instead of its hosts. */
  private drillUrl: string | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  /** Exact-match answers for rules that turn caching on; kept across reloads (keys include the rule). */
  readonly responseCache = new ResponseCache();

  private readonly catalog: PriceCatalog;
  private readonly onUnknownPrice: ((ref: string, warning: string) => void) | undefined;

  constructor(config: TollgateConfig, options: { dispatcher?: Dispatcher; catalog?: PriceCatalog; onUnknownPrice?: (ref: string, warning: string) => void } = {}) {
    this.dispatcher = options.dispatcher;
    this.catalog = options.catalog ?? EMPTY_PRICE_CATALOG;
    this.onUnknownPrice = options.onUnknownPrice;
    this.configured = this.build(config);
    this.current = this.configured;
  }

  private build(config: TollgateConfig, drillUrl?: string): GatewaySnapshot {
    const priceBook = priceBookFrom({
      config: config.pricing,
      providers: config.providers,
      catalog: this.catalog,
      ...(this.onUnknownPrice ? { onUnknownPrice: this.onUnknownPrice } : {}),
    });
    return { ...buildSnapshot(config, this.dispatcher, drillUrl), priceBook };
  }

  get snapshot(): GatewaySnapshot {
    return this.current;
  }

  /** The mode new requests are routed in. */
  get mode(): RoutingMode {
    return this.modeOverride ?? this.current.config.routing.mode;
  }

  /** The kill switch. `undefined` clears the override and returns to the config's mode. */
  setMode(mode: RoutingMode | undefined): void {
    this.modeOverride = mode;
  }

  get modeOverridden(): boolean {
    return this.modeOverride !== undefined;
  }

  /**
   * A fallback drill: new requests run on a snapshot of the same config whose local providers are
   * real provider instances calling `url` (a port nothing listens on), so every local attempt fails
   * as a stopped GPU box does and the executor's own fallback answers. Its breakers and limiters are
   * its own; ending the drill returns to the snapshot from before, state intact. Like the kill
   * switch, a reload during the drill keeps it. `undefined` ends it.
   */
  setDrill(url: string | undefined): void {
    const previous = this.current;
    this.drillUrl = url;
    this.current = url === undefined ? this.configured : this.build(this.configured.config, url);
    if (previous !== this.configured) void previous.registry.close();
  }

  get drilling(): boolean {
    return this.drillUrl !== undefined;
  }

  /** Swaps in a new (already validated) config. The old providers' pools close once their in-flight requests end. */
  reload(config: TollgateConfig): void {
    const old = this.configured;
    const oldDrill = this.current === old ? undefined : this.current;
    this.configured = this.build(config);
    this.current = this.drillUrl === undefined ? this.configured : this.build(config, this.drillUrl);
    void old.registry.close();
    void oldDrill?.registry.close();
  }

  async close(): Promise<void> {
    await Promise.all([this.configured.registry.close(), this.current === this.configured ? undefined : this.current.registry.close()]);
  }
}

function buildSnapshot(config: TollgateConfig, dispatcher: Dispatcher | undefined, drillUrl: string | undefined): Omit<GatewaySnapshot, 'priceBook'> {
  // The config stays as it is (the monitor keeps polling the real hosts); only the providers requests use are redirected.
  const providers = drillUrl === undefined ? config : { providers: redirectLocalProviders(config, drillUrl) };
  const registry = ProviderRegistry.fromConfig(providers, dispatcher ? { dispatcher } : {});
  const capacity: Record<string, { maxInFlight: number; maxQueue: number }> = {};
  for (const [name, provider] of Object.entries(config.providers)) {
    if (provider.type === 'ollama' || provider.type === 'openai-compatible') {
      // An Ollama pool's limits are per host; the executor limits the provider as a whole.
      const hosts = provider.type === 'ollama' && provider.hosts ? provider.hosts.length : 1;
      capacity[name] = { maxInFlight: provider.maxInFlight * hosts, maxQueue: provider.maxQueue * hosts };
    }
  }
  const executor = createExecutor({
    registry,
    capacity,
    breaker: {
      failureThreshold: config.execution.breaker.failureThreshold,
      cooldownMs: config.execution.breaker.cooldownSeconds * 1000,
    },
  });
  return {
    config,
    registry,
    executor,
    router: createRouter(config),
    resolveModel: createModelResolver(config),
    gates: buildGates(registry),
    isLocal: localProviderTest(config),
  };
}

/** A target is refused only by its own provider's `canServe` (Ollama's loadability); others always pass. */
function buildGates(registry: ProviderRegistry): PlanGates {
  // No provider can refuse anything: skip the per-request gate pass entirely.
  if (!registry.all().some((provider) => provider.canServe !== undefined)) return {};
  return { canServe: (target) => registry.get(target.provider)?.canServe?.(target.modelId) ?? true };
}
