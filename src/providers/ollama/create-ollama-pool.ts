import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type {
  CallOptions,
  ChatCall,
  ChatModel,
  ChatResult,
  ChatStream,
  EmbedCall,
  EmbedResult,
  EmbeddingModel,
  ModelInfo,
  Provider,
  ProviderHealth,
  StreamPart,
  AbortLike,
} from '../../core/index.js';
import { checkHealth } from '../shared/check-health.js';
import { UpstreamClient } from '../shared/upstream-client.js';
import { BYTES_PER_VRAM_GB } from './create-ollama.js';
import { listOllamaModels } from './list-ollama-models.js';
import { ollamaVersionResponseSchema } from './ollama-api.js';
import { OllamaChatModel } from './ollama-chat-model.js';
import { OllamaEmbeddingModel } from './ollama-embedding-model.js';
import { isConnectionFailure, isConnectionRefused, OllamaHostState } from './ollama-host-state.js';

export interface OllamaPoolSettings {
  /** Instance name from config; every host's errors carry it. */
  readonly name: string;
  /** Base URLs of the hosts (no `/api`); at least one. */
  readonly hosts: readonly string[];
  readonly headers?: Record<string, string>;
  /** Shared connection pool; when absent each host owns a keep-alive Agent that `close()` closes. */
  readonly dispatcher?: Dispatcher;
  /** Minimum time between refreshes of each host's /api/ps and /api/tags; default 5000 ms. */
  readonly refreshMs?: number;
  /** GPU memory per host in GB (GiB), for `canServe`. */
  readonly vramGb?: number;
  /**
   * Parallel slots per host (the config's per-host maxInFlight). A host that has the model loaded
   * is preferred only while it has a free slot; past that, an idle host beats queueing behind it.
   * Default: unlimited (a loaded host is always preferred).
   */
  readonly slotsPerHost?: number;
  readonly now?: () => number;
  readonly generateId?: () => string;
}

interface PoolHost {
  readonly index: number;
  readonly client: UpstreamClient;
  readonly state: OllamaHostState;
  /** Calls sent and not yet finished (a stream counts until it ends, fails or is returned). */
  outstanding: number;
}

/**
 * Several Ollama hosts as one provider. Each call (not each `chatModel()`) picks a host: among
 * the hosts not marked down, one that has the model resident and a free slot, else one that has
 * it pulled (or might: state unknown), then the fewest outstanding requests, ties in turn. A host
 * that refuses a connection is avoided for a few seconds; when every host is down the one that
 * failed longest ago is tried anyway, so the pool heals without a timer.
 */
export function createOllamaPool(settings: OllamaPoolSettings): Provider {
  if (settings.hosts.length === 0) throw new Error(`Ollama pool ${settings.name} has no hosts.`);
  const generateId = settings.generateId ?? (() => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`);
  const slots = settings.slotsPerHost ?? Number.POSITIVE_INFINITY;
  const hosts: PoolHost[] = settings.hosts.map((baseUrl, index) => {
    const client = new UpstreamClient({
      provider: settings.name,
      baseUrl,
      headers: settings.headers ?? {},
      requestIdHeader: 'x-request-id',
      ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
    });
    const state = new OllamaHostState({
      client,
      ...(settings.refreshMs !== undefined ? { refreshMs: settings.refreshMs } : {}),
      ...(settings.vramGb !== undefined ? { vramBytes: settings.vramGb * BYTES_PER_VRAM_GB } : {}),
      ...(settings.now ? { now: settings.now } : {}),
    });
    return { index, client, state, outstanding: 0 };
  });
  let cursor = 0;

  /** The best host for the model among those not yet tried for this call (see the factory's doc). */
  const pick = (modelId: string, tried: ReadonlySet<PoolHost>): PoolHost | undefined => {
    const candidates = hosts.filter((host) => !tried.has(host));
    if (candidates.length === 0) return undefined;
    const up = candidates.filter((host) => !host.state.isDown());
    if (up.length === 0) return candidates.reduce((best, host) => (host.state.lastFailureAt < best.state.lastFailureAt ? host : best));
    const rank = (host: PoolHost): number => {
      if (host.state.isLoaded(modelId) && host.outstanding < slots) return 0;
      return host.state.hasModel(modelId) === false ? 2 : 1;
    };
    const turn = (host: PoolHost): number => (host.index - cursor + hosts.length) % hosts.length;
    let best = up[0]!;
    for (const host of up) {
      const byRank = rank(host) - rank(best);
      const byLoad = host.outstanding - best.outstanding;
      if (byRank < 0 || (byRank === 0 && (byLoad < 0 || (byLoad === 0 && turn(host) < turn(best))))) best = host;
    }
    cursor = (best.index + 1) % hosts.length;
    return best;
  };

  /**
   * Runs one call on the picked host, counting it while it runs. A host that refuses the
   * connection is marked down and the call moves to the next host at once: nothing reached the
   * dead host, and the executor does not retry a local provider that is unreachable, so without
   * this one dead host in a pool would send a request to the cloud every few seconds.
   */
  const run = async <T>(modelId: string, options: CallOptions, call: (host: PoolHost) => Promise<T>): Promise<{ value: T; host: PoolHost }> => {
    for (const host of hosts) host.state.refreshIfStale();
    const tried = new Set<PoolHost>();
    for (;;) {
      const host = pick(modelId, tried);
      // The loop below only continues while an untried host is left.
      if (host === undefined) throw new Error('unreachable: no host left to try');
      tried.add(host);
      host.outstanding += 1;
      try {
        return { value: await call(host), host };
      } catch (error) {
        host.outstanding -= 1;
        if (options.signal?.aborted || !isConnectionFailure(error)) throw error;
        host.state.markDown();
        // A reset or timeout may come after the host read the request: that is the executor's call.
        if (!isConnectionRefused(error) || tried.size === hosts.length) throw error;
      }
    }
  };

  const chatModel = (modelId: string): ChatModel => ({
    provider: settings.name,
    modelId,
    async generate(call: ChatCall, options: CallOptions = {}): Promise<ChatResult> {
      const { value, host } = await run(modelId, options, (host) => new OllamaChatModel(modelId, { client: host.client, generateId }).generate(call, options));
      host.outstanding -= 1;
      return value;
    },
    async stream(call: ChatCall, options: CallOptions = {}): Promise<ChatStream> {
      const { value, host } = await run(modelId, options, (host) => new OllamaChatModel(modelId, { client: host.client, generateId }).stream(call, options));
      return countUntilDone(value, options.signal, () => {
        host.outstanding -= 1;
      });
    },
  });

  const embeddingModel = (modelId: string): EmbeddingModel => ({
    provider: settings.name,
    modelId,
    async embed(call: EmbedCall, options: CallOptions = {}): Promise<EmbedResult> {
      const { value, host } = await run(modelId, options, (host) => new OllamaEmbeddingModel(modelId, host.client).embed(call, options));
      host.outstanding -= 1;
      return value;
    },
  });

  return {
    name: settings.name,
    kind: 'ollama',
    chatModel,
    embeddingModel,
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const results = await Promise.allSettled(hosts.map((host) => listOllamaModels(host.client, options)));
      const byId = new Map<string, ModelInfo>();
      for (const result of results) {
        if (result.status === 'fulfilled') for (const model of result.value) if (!byId.has(model.id)) byId.set(model.id, model);
      }
      // One host down must not hide the others' models; all of them down is an error worth showing.
      const failure = results.find((result) => result.status === 'rejected');
      if (byId.size === 0 && failure) throw failure.reason;
      return [...byId.values()];
    },
    canServe(modelId: string): boolean {
      for (const host of hosts) host.state.refreshIfStale();
      // A down host cannot serve anything now; when all are down, judge by what they last said.
      const up = hosts.filter((host) => !host.state.isDown());
      return (up.length > 0 ? up : hosts).some((host) => host.state.canServe(modelId) !== false);
    },
    hostLoad() {
      return hosts.map((host) => ({ url: settings.hosts[host.index] as string, inFlight: host.outstanding }));
    },
    async health(options: CallOptions = {}): Promise<ProviderHealth> {
      const checks = await Promise.all(
        hosts.map((host) =>
          checkHealth(async () => {
            const { data } = await host.client.sendForJson({ method: 'GET', path: '/api/version', signal: options.signal }, ollamaVersionResponseSchema);
            return data.version;
          }),
        ),
      );
      const ok = checks.filter((check) => check.ok);
      if (ok.length > 0) return ok.reduce((fastest, check) => (check.latencyMs < fastest.latencyMs ? check : fastest));
      return {
        ok: false,
        latencyMs: Math.max(...checks.map((check) => check.latencyMs)),
        error: checks.map((check, index) => `${settings.hosts[index]}: ${check.error ?? 'unknown error'}`).join('; '),
      };
    },
    async close(): Promise<void> {
      for (const host of hosts) host.state.close();
      await Promise.allSettled(hosts.map((host) => host.client.close()));
    },
  };
}

/**
 * The same stream, calling `done` exactly once when it ends, fails, is returned early or its
 * signal aborts: a host's outstanding count must not leak when a client walks away.
 */
function countUntilDone(stream: ChatStream, signal: AbortLike | undefined, done: () => void): ChatStream {
  const inner = stream[Symbol.asyncIterator]();
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    signal?.removeEventListener('abort', finish);
    done();
  };
  if (signal?.aborted) finish();
  else signal?.addEventListener('abort', finish, { once: true });

  const counted: AsyncIterableIterator<StreamPart> = {
    async next() {
      try {
        const result = await inner.next();
        if (result.done) finish();
        return result;
      } catch (error) {
        finish();
        throw error;
      }
    },
    async return(value?: unknown) {
      finish();
      if (inner.return) return inner.return(value);
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      finish();
      if (inner.throw) return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return counted;
    },
  };
  return counted;
}
