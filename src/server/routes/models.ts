import type { FastifyInstance } from 'fastify';
import type { ModelInfo } from '../../core/index.js';
import type { TollgateConfig } from '../../config/index.js';
import type { ProviderRegistry } from '../../execution/provider-registry.js';
import type { GatewayRuntime } from '../gateway-runtime.js';

/** How long one provider may take to list its models before we answer without it. */
const LIST_TIMEOUT_MS = 2_000;

interface ListedModel {
  readonly id: string;
  readonly ownedBy: string;
  readonly description?: string;
}

/**
 * `GET /v1/models`: the configured aliases, then every model each local (Ollama) host reports as
 * `provider/model`. Cloud catalogues are not listed: they are large, change without us, and any
 * `provider/model` for a configured cloud works anyway. Answers in Anthropic's list shape when
 * the caller sends `anthropic-version` (the Anthropic SDK does), else in OpenAI's.
 */
export function registerModelRoutes(app: FastifyInstance, deps: { runtime: GatewayRuntime; now: () => number }): void {
  app.get('/v1/models', async (request) => {
    const { config, registry } = deps.runtime.snapshot;
    const models = await listModels({ config, registry });
    const created = Math.floor(deps.now() / 1000);
    if (request.headers['anthropic-version'] !== undefined) {
      const createdAt = new Date(created * 1000).toISOString();
      return {
        data: models.map((model) => ({ type: 'model', id: model.id, display_name: model.description ?? model.id, created_at: createdAt })),
        has_more: false,
        first_id: models[0]?.id ?? null,
        last_id: models.at(-1)?.id ?? null,
      };
    }
    return { object: 'list', data: models.map((model) => ({ id: model.id, object: 'model', created, owned_by: model.ownedBy })) };
  });
}

async function listModels(deps: { config: TollgateConfig; registry: ProviderRegistry }): Promise<ListedModel[]> {
  const aliases: ListedModel[] = Object.entries(deps.config.models).map(([id, entry]) => ({
    id,
    ownedBy: 'tollgate',
    description: 'description' in entry && entry.description ? `${id} → ${entry.target} (${entry.description})` : `${id} → ${entry.target}`,
  }));
  const local = deps.registry.all().filter((provider) => provider.kind === 'ollama' || provider.kind === 'openai-compatible');
  const listed = await Promise.all(
    local.map(async (provider): Promise<ListedModel[]> => {
      try {
        const models: ModelInfo[] = await provider.listModels({ signal: AbortSignal.timeout(LIST_TIMEOUT_MS) });
        return models.map((model) => ({ id: `${provider.name}/${model.id}`, ownedBy: provider.name }));
      } catch {
        return []; // A host that is down lists nothing; /v1/models itself must still answer.
      }
    }),
  );
  return [...aliases, ...listed.flat()];
}
