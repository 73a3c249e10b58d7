import type { OllamaCallOptions, RouteTarget } from '../core/index.js';
import type { TollgateConfig } from '../config/index.js';
import type { RoutingConfig } from './routing-config-schema.js';

/** The parts of the validated config routing reads. */
export type RouterConfig = Pick<TollgateConfig, 'models' | 'providers'> & { readonly routing: RoutingConfig };

export type IsLocalProvider = (name: string) => boolean;

/**
 * Which providers run on our own hardware: `routing.local` when given, else every provider of
 * type ollama or openai-compatible (local servers such as vLLM or llama.cpp speak that dialect).
 */
export function localProviderTest(config: RouterConfig): IsLocalProvider {
  const local = new Set(
    config.routing.local ??
      Object.entries(config.providers)
        .filter(([, settings]) => settings.type === 'ollama' || settings.type === 'openai-compatible')
        .map(([name]) => name),
  );
  return (name) => local.has(name);
}

/** A target name that could not be resolved, with the reason in words. */
export interface UnresolvedTarget {
  readonly problem: string;
}

/**
 * Resolves a target name as config writes it: an alias from `models:` first (keeping its
 * numCtx/keepAlive), else `provider/model` with a configured provider. Aliases win so that an
 * alias containing a slash still means the alias, as the client-facing resolver always did.
 */
export function resolveRouteTarget(
  name: string,
  config: Pick<RouterConfig, 'models' | 'providers'>,
  isLocal: IsLocalProvider,
): RouteTarget | UnresolvedTarget {
  const alias = Object.hasOwn(config.models, name) ? config.models[name] : undefined;
  const ref = alias ? alias.target : name;
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) {
    const aliases = Object.keys(config.models).join(', ') || 'none';
    return { problem: `'${name}' is neither an alias (configured: ${aliases}) nor provider/model` };
  }
  const provider = ref.slice(0, slash);
  if (!Object.hasOwn(config.providers, provider)) {
    const known = Object.keys(config.providers).join(', ') || 'none';
    return { problem: `'${name}' names provider '${provider}' which is not configured (configured: ${known})` };
  }
  const ollama = alias ? aliasOllamaOptions(alias) : undefined;
  return Object.freeze({
    ref,
    provider,
    modelId: ref.slice(slash + 1),
    local: isLocal(provider),
    ...(ollama ? { ollama } : {}),
  });
}

export function isUnresolved(target: RouteTarget | UnresolvedTarget): target is UnresolvedTarget {
  return 'problem' in target;
}

function aliasOllamaOptions(alias: TollgateConfig['models'][string]): OllamaCallOptions | undefined {
  if (!('numCtx' in alias) && !('keepAlive' in alias)) return undefined;
  const options: { numCtx?: number; keepAlive?: string | number } = {};
  if ('numCtx' in alias && alias.numCtx !== undefined) options.numCtx = alias.numCtx;
  if ('keepAlive' in alias && alias.keepAlive !== undefined) options.keepAlive = alias.keepAlive;
  return Object.keys(options).length > 0 ? Object.freeze(options) : undefined;
}
