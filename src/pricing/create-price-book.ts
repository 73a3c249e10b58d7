import type { ProviderKind } from '../core/index.js';
import type { LedgerTokens } from '../ledger/ledger-record.js';
import { genaiPricesRates } from './genai-prices-rates.js';
import { listPriceUsd, modelRatesFromConfig, type ModelRates } from './model-rates.js';
import { loadPriceCatalog, type CloudProviderType, type PriceCatalog } from './price-catalog.js';
import type { PricingConfig } from './pricing-config-schema.js';

/** The target that answered: a configured provider instance, the model, and whether it runs on our hardware. */
export interface PricedTarget {
  readonly provider: string;
  readonly model: string;
  readonly local: boolean;
}

export interface CallTiming {
  /** Time the GPU spent generating, when the upstream reported it (Ollama's eval_duration). */
  readonly generationMs: number | null;
  /** Arrival to last byte: the stand-in for generation time when that is unknown. */
  readonly latencyMs: number;
}

/** A price, or why there is none: never a silent 0. */
export type CostResult =
  | { readonly usd: number; readonly basis: 'list-price' | 'energy' }
  | { readonly usd: null; readonly warning: string };

export interface PriceBook {
  /** What one call cost: the cloud list price of its tokens, or the energy a local call burnt. */
  cost(target: PricedTarget, tokens: LedgerTokens, timing: CallTiming, at: Date): CostResult;
  /**
   * What `ref` (`provider/model`, a cloud model) would have charged for the same counters. A local
   * call reports no cache reads or writes, so its whole prompt is priced as uncached input.
   */
  referenceCost(ref: string, tokens: LedgerTokens, at?: Date): CostResult;
  /** The reference model for a task: `pricing.reference.tasks[task]`, else `.default`, else `fallback`, else null. */
  referenceFor(task: string | null, fallback: string | undefined): string | null;
  /** Hardware price spread over its months (0 when not configured): a report figure, never charged per request. */
  monthlyAmortizationUsd(): number;
  /** Idle draw around the clock for a month (0 when idleWatts is not set): a report figure, never charged per request. */
  monthlyIdleEnergyUsd(): number;
}

export interface PriceBookOptions {
  /** The parsed `pricing` section. */
  readonly config: PricingConfig;
  /** The config's providers by instance name; only their `type` is read. */
  readonly providers: Readonly<Record<string, { readonly type: ProviderKind }>>;
  /** The built-in extension prices; default: config/prices.yaml, read once here. */
  readonly catalog?: PriceCatalog;
  /** Called once per `provider/model` whose price is unknown, with the warning the ledger records. */
  readonly onUnknownPrice?: (ref: string, warning: string) => void;
  /** Clock for referenceCost without `at`. */
  readonly now?: () => Date;
}

/** The genai-prices provider id for each provider type with list prices. */
const GENAI_PROVIDER_ID: Readonly<Record<CloudProviderType, string>> = { anthropic: 'anthropic', openai: 'openai' };

const HOURS_PER_MONTH = (365 * 24) / 12;

/** Resolved prices are kept per model; past this many entries new lookups are answered but not kept. */
const MAX_CACHED_MODELS = 10_000;

/** A snapshot suffix (`-20261015`, `-2026-10-15`): prices are per model, not per snapshot. */
const SNAPSHOT_DATE = /-(?:\d{8}|\d{4}-\d{2}-\d{2})$/;

/** A model's rates, or the (shared, frozen) answer for a model whose price is unknown. */
type Resolved = { readonly rates: ModelRates } | { readonly rates: null; readonly unknown: CostResult };

/**
 * Reads config/prices.yaml (unless a catalogue is given) and returns the price book. Each model's
 * prices are resolved once (precedence: `pricing.models` > config/prices.yaml >
 * @pydantic/genai-prices) and kept, so a call is priced with plain arithmetic.
 */
export async function createPriceBook(options: PriceBookOptions): Promise<PriceBook> {
  const catalog = options.catalog ?? (await loadPriceCatalog());
  return new ListPriceBook(options, catalog);
}

/** The same, with the catalogue already loaded: for rebuilding the book on a config reload. */
export function priceBookFrom(options: PriceBookOptions & { readonly catalog: PriceCatalog }): PriceBook {
  return new ListPriceBook(options, options.catalog);
}

class ListPriceBook implements PriceBook {
  readonly #config: PricingConfig;
  readonly #providers: PriceBookOptions['providers'];
  /** config/prices.yaml by provider type, then lower-cased model id. */
  readonly #catalog: ReadonlyMap<CloudProviderType, ReadonlyMap<string, ModelRates>>;
  readonly #onUnknownPrice: PriceBookOptions['onUnknownPrice'];
  readonly #now: () => Date;
  /** `pricing.models` with lower-cased keys (the package matches ids case-insensitively too). */
  readonly #overrides: ReadonlyMap<string, ModelRates>;
  /** provider instance → model → resolved prices. Nested so a lookup builds no key string. */
  readonly #resolved = new Map<string, Map<string, Resolved>>();
  #resolvedCount = 0;
  readonly #references = new Map<string, Resolved>();
  readonly #reportedUnknown = new Set<string>();
  /** USD per watt-millisecond: gpuWatts × ms × this = USD. */
  readonly #usdPerWattMs: number;

  constructor(options: PriceBookOptions, catalog: PriceCatalog) {
    this.#config = options.config;
    this.#providers = options.providers;
    this.#catalog = new Map(
      (Object.keys(GENAI_PROVIDER_ID) as CloudProviderType[]).map((type) => [
        type,
        new Map(Object.entries(catalog[type]).map(([id, price]) => [id.toLowerCase(), modelRatesFromConfig(price)])),
      ]),
    );
    this.#onUnknownPrice = options.onUnknownPrice;
    this.#now = options.now ?? (() => new Date());
    this.#overrides = new Map(
      Object.entries(options.config.models).map(([key, price]) => [key.toLowerCase(), modelRatesFromConfig(price)]),
    );
    this.#usdPerWattMs = options.config.local.kwhUsd / 3_600_000_000;
  }

  cost(target: PricedTarget, tokens: LedgerTokens, timing: CallTiming, at: Date): CostResult {
    if (target.local) {
      const ms = timing.generationMs ?? timing.latencyMs;
      return { usd: this.#config.local.gpuWatts * ms * this.#usdPerWattMs, basis: 'energy' };
    }
    let models = this.#resolved.get(target.provider);
    if (models === undefined) {
      models = new Map();
      this.#resolved.set(target.provider, models);
    }
    let resolved = models.get(target.model);
    if (resolved === undefined) {
      resolved = this.#resolve(target.provider, target.model);
      if (this.#resolvedCount < MAX_CACHED_MODELS) {
        models.set(target.model, resolved);
        this.#resolvedCount++;
      }
    }
    if (resolved.rates === null) return resolved.unknown;
    return { usd: listPriceUsd(resolved.rates, tokens, at), basis: 'list-price' };
  }

  referenceCost(ref: string, tokens: LedgerTokens, at: Date = this.#now()): CostResult {
    let resolved = this.#references.get(ref);
    if (resolved === undefined) {
      const slash = ref.indexOf('/');
      resolved =
        slash <= 0 || slash === ref.length - 1
          ? { rates: null, unknown: Object.freeze({ usd: null, warning: `reference model '${ref}' is not provider/model` }) }
          : this.#resolve(ref.slice(0, slash), ref.slice(slash + 1));
      if (this.#references.size < MAX_CACHED_MODELS) this.#references.set(ref, resolved);
    }
    if (resolved.rates === null) return resolved.unknown;
    return { usd: listPriceUsd(resolved.rates, tokens, at), basis: 'list-price' };
  }

  referenceFor(task: string | null, fallback: string | undefined): string | null {
    const reference = this.#config.reference;
    return (task !== null && Object.hasOwn(reference.tasks, task) ? reference.tasks[task] : undefined) ?? reference.default ?? fallback ?? null;
  }

  monthlyAmortizationUsd(): number {
    const hardware = this.#config.local.hardware;
    return hardware === undefined ? 0 : hardware.priceUsd / hardware.months;
  }

  monthlyIdleEnergyUsd(): number {
    const { idleWatts = 0, kwhUsd } = this.#config.local;
    return (idleWatts / 1000) * HOURS_PER_MONTH * kwhUsd;
  }

  /** The slow path, once per model: config, then the built-in file, then genai-prices. */
  #resolve(provider: string, model: string): Resolved {
    const ids = idsToTry(model);
    const instance = provider.toLowerCase();
    const override = firstFound([...ids.map((id) => `${instance}/${id}`), ...ids], this.#overrides);
    if (override !== undefined) return { rates: override };
    const type = this.#cloudTypeOf(provider);
    if (type !== undefined) {
      const builtIn = firstFound(ids, this.#catalog.get(type));
      if (builtIn !== undefined) return { rates: builtIn };
      const rates = genaiPricesRates(GENAI_PROVIDER_ID[type], model);
      if (rates !== undefined) return { rates };
    }
    const ref = `${provider}/${model}`;
    const warning = `price unknown for ${ref}: add it under pricing.models`;
    if (!this.#reportedUnknown.has(ref) && this.#reportedUnknown.size < MAX_CACHED_MODELS) {
      this.#reportedUnknown.add(ref);
      this.#onUnknownPrice?.(ref, warning);
    }
    return { rates: null, unknown: Object.freeze({ usd: null, warning }) };
  }

  /**
   * A configured instance's type, when it has list prices. A reference may also name a type
   * directly (`anthropic/claude-haiku-5-5` with no provider called `anthropic`), so that a
   * local-only gateway can still measure savings against a cloud price list.
   */
  #cloudTypeOf(provider: string): CloudProviderType | undefined {
    const type = Object.hasOwn(this.#providers, provider) ? this.#providers[provider]?.type : provider;
    return type === 'anthropic' || type === 'openai' ? type : undefined;
  }
}

function firstFound(keys: readonly string[], prices: ReadonlyMap<string, ModelRates> | undefined): ModelRates | undefined {
  for (const key of keys) {
    const found = prices?.get(key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The model id as given (lower-cased), then without a snapshot date. */
function idsToTry(model: string): string[] {
  const id = model.trim().toLowerCase();
  const undated = id.replace(SNAPSHOT_DATE, '');
  return undated === id ? [id] : [id, undated];
}

/** referenceCostUsd − costUsd, or null when either is unknown. */
export function savings(costUsd: number | null, referenceCostUsd: number | null): number | null {
  return costUsd === null || referenceCostUsd === null ? null : referenceCostUsd - costUsd;
}
