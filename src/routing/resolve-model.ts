import { ModelNotFoundError, type OllamaCallOptions } from '../core/index.js';
import type { TollgateConfig } from '../config/index.js';

/** Where one model name leads: a configured provider and the model id it knows. */
export interface ResolvedTarget {
  /** Provider instance name from config. */
  readonly provider: string;
  /** The provider's own model id. */
  readonly modelId: string;
  /** `provider/model`, for headers and logs. */
  readonly ref: string;
  /** The alias the client used, when it used one. */
  readonly alias?: string;
  readonly ollama?: OllamaCallOptions;
}

/**
 * Resolves what a client put in `model`: an alias from config (`kb-analysis`), or an explicit
 * `provider/model` whose provider is configured (`ollama/llama3.2`, `anthropic/claude-haiku-5-5`).
 * Anything else is a 404 naming what would have worked. Pure and allocation-light: it runs on
 * every request.
 */
export function createModelResolver(config: Pick<TollgateConfig, 'models' | 'providers'>): (model: string) => ResolvedTarget {
  const aliases = new Map<string, ResolvedTarget>();
  for (const [alias, entry] of Object.entries(config.models)) {
    const slash = entry.target.indexOf('/');
    const ollama: OllamaCallOptions | undefined =
      'numCtx' in entry || 'keepAlive' in entry ? { numCtx: entry.numCtx, keepAlive: entry.keepAlive } : undefined;
    aliases.set(alias, {
      provider: entry.target.slice(0, slash),
      modelId: entry.target.slice(slash + 1),
      ref: entry.target,
      alias,
      ...(ollama ? { ollama } : {}),
    });
  }
  const providers = new Set(Object.keys(config.providers));
  const explicit = new Map<string, ResolvedTarget>();

  return (model: string) => {
    const aliased = aliases.get(model);
    if (aliased) return aliased;
    const cached = explicit.get(model);
    if (cached) return cached;
    const slash = model.indexOf('/');
    if (slash > 0 && slash < model.length - 1 && providers.has(model.slice(0, slash))) {
      const target = { provider: model.slice(0, slash), modelId: model.slice(slash + 1), ref: model };
      if (explicit.size < 10_000) explicit.set(model, target);
      return target;
    }
    const hint = [...aliases.keys()].slice(0, 8).join(', ');
    throw new ModelNotFoundError(
      model,
      `The model '${model}' is not configured. Use an alias (${hint || 'none configured'}) or provider/model with a configured provider (${[...providers].join(', ') || 'none'}).`,
    );
  };
}
