import type { TollgateConfig } from '../../config/index.js';
import type { AbortLike } from '../../core/index.js';
import { ollamaShowResponseSchema } from '../../providers/ollama/ollama-api.js';
import { normalizeOllamaModelName } from '../../providers/ollama/ollama-host-state.js';
import { UpstreamClient } from '../../providers/shared/upstream-client.js';
import { architectureFromShow, type ShownModel } from './architecture-from-show.js';
import type { FitCandidate } from './fit-models.js';
import type { ModelUse, OllamaHost } from './model-inventory.js';
import { findModelSpec, type ModelSpecs } from './model-specs.js';

/** Asks a host of `provider` to describe a model (`/api/show`). */
export type DescribeModel = (provider: string, model: string) => Promise<ShownModel>;

/**
 * The models `models fit` judges: the recommended ones of config/model-specs.yaml, then every other
 * Ollama model the config uses, once each whatever its spelling. Architectures come from the specs
 * file; a model it does not know is described by a host of a provider that uses it, else unknown.
 */
export async function buildFitCandidates(input: {
  readonly specs: Pick<ModelSpecs, 'models' | 'recommended'>;
  readonly uses: ReadonlyMap<string, ModelUse>;
  /** num_ctx for a model (its aliases' numCtx, or the --context asked). */
  readonly contextOf: (model: string) => number;
  readonly describe: DescribeModel;
}): Promise<FitCandidate[]> {
  const usedBy = new Map<string, { model: string; providers: string[]; usedBy: string[] }>();
  for (const use of input.uses.values()) {
    const key = canonicalName(input.specs, use.model);
    const entry = usedBy.get(key) ?? { model: use.model, providers: [], usedBy: [] };
    entry.providers.push(use.provider);
    for (const who of use.usedBy) if (!entry.usedBy.includes(who)) entry.usedBy.push(who);
    usedBy.set(key, entry);
  }

  const names = new Map<string, string>();
  for (const model of input.specs.recommended) names.set(canonicalName(input.specs, model), model);
  for (const [key, entry] of usedBy) if (!names.has(key)) names.set(key, entry.model);

  const recommended = new Set(input.specs.recommended.map((model) => canonicalName(input.specs, model)));
  return Promise.all(
    [...names].map(async ([key, model]): Promise<FitCandidate> => {
      const use = usedBy.get(key);
      const common = { model, recommended: recommended.has(key), usedBy: use?.usedBy ?? [], contextTokens: input.contextOf(model) };
      const found = findModelSpec(input.specs, model);
      if (found) {
        return {
          ...common,
          aliases: [found.key, ...found.spec.aliases],
          label: found.spec.label ?? found.key,
          architecture: {
            parameters: found.spec.parameters,
            layers: found.spec.layers,
            kvHeads: found.spec.kvHeads,
            headDim: found.spec.headDim,
            contextLength: found.spec.contextLength,
            kind: found.spec.kind,
          },
          architectureSource: 'model-specs',
          quantization: found.spec.quantization,
        };
      }
      const provider = use?.providers[0];
      const shown: ShownModel = provider === undefined ? { ok: false, reason: 'not in config/model-specs.yaml' } : await input.describe(provider, model);
      if (!shown.ok) {
        return { ...common, label: model, architecture: undefined, architectureSource: 'unknown', quantization: undefined, unknownReason: `unknown: ${shown.reason}` };
      }
      return { ...common, label: model, architecture: shown.architecture, architectureSource: 'host', quantization: shown.quantization };
    }),
  );
}

/** The spec key when config/model-specs.yaml knows the model, else its normalised Ollama name. */
function canonicalName(specs: Pick<ModelSpecs, 'models'>, model: string): string {
  const found = findModelSpec(specs, model);
  return found ? normalizeOllamaModelName(found.key) : normalizeOllamaModelName(model);
}

/**
 * A DescribeModel over the configured hosts: `/api/show` on each host of the provider in turn until
 * one answers; none answering (or none having the model) makes the model unknown, with the reason.
 */
export function describeFromHosts(hosts: readonly OllamaHost[], options: { readonly signal?: AbortLike } = {}): DescribeModel {
  return async (provider, model) => {
    const reasons: string[] = [];
    for (const host of hosts.filter((candidate) => candidate.provider === provider)) {
      const client = new UpstreamClient({ provider: host.provider, baseUrl: host.url, headers: host.headers });
      try {
        const { data } = await client.sendForJson({ method: 'POST', path: '/api/show', body: JSON.stringify({ model }), signal: options.signal }, ollamaShowResponseSchema);
        return architectureFromShow(data);
      } catch (error) {
        reasons.push(error instanceof Error ? error.message : String(error));
      } finally {
        await client.close();
      }
    }
    return { ok: false, reason: reasons.length > 0 ? `no host described it (${reasons.join('; ')})` : `no host of provider ${provider}` };
  };
}

/**
 * num_ctx per model: `--context` when given, else the largest `numCtx` of the aliases pointing at
 * the model, else `fallback` (8192 by default: a typical setting; Ollama's own default is smaller).
 */
export function contextResolver(config: Pick<TollgateConfig, 'models'>, explicit: number | undefined, fallback: number): (model: string) => number {
  return (model) => {
    if (explicit !== undefined) return explicit;
    const wanted = normalizeOllamaModelName(model);
    const contexts = Object.values(config.models).flatMap((entry) => {
      const slash = entry.target.indexOf('/');
      const numCtx = 'numCtx' in entry ? entry.numCtx : undefined;
      return numCtx !== undefined && normalizeOllamaModelName(entry.target.slice(slash + 1)) === wanted ? [numCtx] : [];
    });
    return contexts.length > 0 ? Math.max(...contexts) : fallback;
  };
}
