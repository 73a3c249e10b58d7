import type { TollgateConfig } from '../../config/index.js';
import type { AbortLike } from '../../core/index.js';
import { ollamaPsResponseSchema, ollamaTagsResponseSchema } from '../../providers/ollama/ollama-api.js';
import { normalizeOllamaModelName } from '../../providers/ollama/ollama-host-state.js';
import { UpstreamClient } from '../../providers/shared/upstream-client.js';
import { isUnresolved, localProviderTest, resolveRouteTarget, routingRulesOf } from '../../routing/index.js';

/** One Ollama server of the config: a provider's `baseUrl`, or one of its `hosts`. */
export interface OllamaHost {
  readonly provider: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function ollamaHostsOf(config: Pick<TollgateConfig, 'providers'>): OllamaHost[] {
  return Object.entries(config.providers).flatMap(([provider, settings]) => {
    if (settings.type !== 'ollama') return [];
    const urls = settings.hosts ?? [settings.baseUrl];
    return urls.map((url) => ({ provider, url: url.replace(/\/+$/, ''), headers: settings.headers ?? {} }));
  });
}

/** A model of an Ollama provider that the config sends requests to, and who does. */
export interface ModelUse {
  readonly provider: string;
  /** As the config writes it (`llama3.2`). */
  readonly model: string;
  /** `alias kb-analysis`, `rule reasoning`, `auto small`. */
  readonly usedBy: readonly string[];
}

/**
 * Which Ollama models the config uses, and through what: aliases under `models:`, the targets of
 * the routing rules (the default policy when `routing.rules` is absent), and the `auto` tiers.
 * Keyed by `provider/<normalised model>`.
 */
export function collectModelUses(config: TollgateConfig): Map<string, ModelUse> {
  const uses = new Map<string, { provider: string; model: string; usedBy: string[] }>();
  const ollama = new Set(Object.entries(config.providers).filter(([, settings]) => settings.type === 'ollama').map(([name]) => name));
  const isLocal = localProviderTest(config);
  const add = (targetName: string, use: string) => {
    const target = resolveRouteTarget(targetName, config, isLocal);
    if (isUnresolved(target) || !ollama.has(target.provider)) return;
    const key = `${target.provider}/${normalizeOllamaModelName(target.modelId)}`;
    const entry = uses.get(key) ?? { provider: target.provider, model: target.modelId, usedBy: [] };
    if (!entry.usedBy.includes(use)) entry.usedBy.push(use);
    uses.set(key, entry);
  };
  for (const alias of Object.keys(config.models)) add(alias, `alias ${alias}`);
  for (const rule of routingRulesOf(config)) for (const target of rule.targets) add(target, `rule ${rule.name}`);
  // The same defaults as the router's `auto`: the aliases summary and reasoning when not named.
  const auto = config.routing.auto;
  const small = auto.smallModel ?? (Object.hasOwn(config.models, 'summary') ? 'summary' : undefined);
  const large = auto.largeModel ?? (Object.hasOwn(config.models, 'reasoning') ? 'reasoning' : undefined);
  if (small !== undefined) add(small, 'auto small');
  if (large !== undefined) add(large, 'auto large');
  return uses;
}

/** What one host answered on /api/tags and /api/ps, or why it could not be asked. */
export type HostReading =
  | { readonly host: OllamaHost; readonly reachable: true; readonly pulled: readonly PulledModel[]; readonly loaded: readonly LoadedModel[] }
  | { readonly host: OllamaHost; readonly reachable: false; readonly error: string };

export interface PulledModel {
  readonly name: string;
  readonly size: number | null;
  readonly family: string | null;
  readonly parameterSize: string | null;
  readonly quantization: string | null;
}

export interface LoadedModel {
  readonly name: string;
  /** Bytes held in GPU memory (`size_vram`); less than the size when partly on the CPU. */
  readonly vramBytes: number | null;
  readonly sizeBytes: number | null;
  readonly expiresAt: string | null;
}

/** Reads /api/tags and /api/ps from one host; never rejects (an unreachable host is a reading too). */
export async function readOllamaHost(host: OllamaHost, options: { readonly signal?: AbortLike } = {}): Promise<HostReading> {
  const client = new UpstreamClient({ provider: host.provider, baseUrl: host.url, headers: host.headers });
  try {
    const [tags, ps] = await Promise.all([
      client.sendForJson({ method: 'GET', path: '/api/tags', signal: options.signal }, ollamaTagsResponseSchema),
      client.sendForJson({ method: 'GET', path: '/api/ps', signal: options.signal }, ollamaPsResponseSchema),
    ]);
    return {
      host,
      reachable: true,
      pulled: tags.data.models.map((model) => ({
        name: model.name,
        size: model.size ?? null,
        family: model.details?.family ?? null,
        parameterSize: model.details?.parameter_size ?? null,
        quantization: model.details?.quantization_level ?? null,
      })),
      loaded: (ps.data.models ?? []).map((model) => ({
        name: model.name,
        vramBytes: model.size_vram ?? null,
        sizeBytes: model.size ?? null,
        expiresAt: model.expires_at ?? null,
      })),
    };
  } catch (error) {
    return { host, reachable: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.close();
  }
}

export interface HostModel extends PulledModel {
  /** Resident in memory now (/api/ps). */
  readonly loaded: boolean;
  readonly vramBytes: number | null;
  readonly usedBy: readonly string[];
}

export interface HostInventory {
  readonly provider: string;
  readonly url: string;
  readonly reachable: boolean;
  readonly error: string | null;
  readonly models: readonly HostModel[];
}

/** A model the config uses that a reachable host of its provider has not pulled. */
export interface MissingModel {
  readonly provider: string;
  readonly model: string;
  readonly url: string;
  readonly usedBy: readonly string[];
  /** What fixes it. */
  readonly command: string;
}

/** A model the config uses on a provider none of whose hosts answered: whether it is there is unknown. */
export interface UncheckedModel {
  readonly provider: string;
  readonly model: string;
  readonly usedBy: readonly string[];
}

export interface ModelInventory {
  readonly hosts: readonly HostInventory[];
  readonly missing: readonly MissingModel[];
  readonly unchecked: readonly UncheckedModel[];
}

/**
 * Joins what the hosts have with what the config uses: per host its models (loaded or not, and
 * who uses them), then every used model that a reachable host of its provider lacks, with the
 * `tollgate models pull` line that fixes it. In a pool each host needs its own copy.
 */
export function buildModelInventory(readings: readonly HostReading[], uses: ReadonlyMap<string, ModelUse>): ModelInventory {
  const hosts = readings.map((reading): HostInventory => {
    if (!reading.reachable) return { provider: reading.host.provider, url: reading.host.url, reachable: false, error: reading.error, models: [] };
    const loaded = new Map(reading.loaded.map((model) => [normalizeOllamaModelName(model.name), model]));
    const models = reading.pulled.map((model): HostModel => {
      const name = normalizeOllamaModelName(model.name);
      const resident = loaded.get(name);
      return {
        ...model,
        loaded: resident !== undefined,
        vramBytes: resident?.vramBytes ?? null,
        usedBy: uses.get(`${reading.host.provider}/${name}`)?.usedBy ?? [],
      };
    });
    return { provider: reading.host.provider, url: reading.host.url, reachable: true, error: null, models };
  });

  const missing: MissingModel[] = [];
  const unchecked: UncheckedModel[] = [];
  for (const use of uses.values()) {
    const name = normalizeOllamaModelName(use.model);
    const ofProvider = readings.filter((reading) => reading.host.provider === use.provider);
    const reachable = ofProvider.filter((reading) => reading.reachable);
    if (reachable.length === 0) {
      unchecked.push({ provider: use.provider, model: use.model, usedBy: use.usedBy });
      continue;
    }
    for (const reading of reachable) {
      if (reading.pulled.some((model) => normalizeOllamaModelName(model.name) === name)) continue;
      missing.push({
        provider: use.provider,
        model: use.model,
        url: reading.host.url,
        usedBy: use.usedBy,
        command: `tollgate models pull ${use.model} --host ${reading.host.url}`,
      });
    }
  }
  return { hosts, missing, unchecked };
}
