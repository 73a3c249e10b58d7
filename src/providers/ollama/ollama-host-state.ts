import { ProviderCallError } from '../../core/index.js';
import type { UpstreamClient } from '../shared/upstream-client.js';
import { ollamaPsResponseSchema, ollamaTagsResponseSchema } from './ollama-api.js';

export interface OllamaHostStateSettings {
  readonly client: UpstreamClient;
  /** Minimum time between two refreshes of /api/ps and /api/tags; default 5000 ms. */
  readonly refreshMs?: number;
  /** Total GPU memory of the host in bytes; undefined = unknown (then "pulled" is enough to serve). */
  readonly vramBytes?: number;
  /** How long a host that failed to connect is avoided; default 5000 ms (a successful refresh ends it early). */
  readonly downMs?: number;
  readonly now?: () => number;
}

const DEFAULT_REFRESH_MS = 5_000;
const DEFAULT_DOWN_MS = 5_000;

/**
 * What the gateway knows about one Ollama host: which models are resident (`/api/ps`, with their
 * VRAM), which are pulled (`/api/tags`, with their sizes), and whether it recently refused
 * connections. Reads never wait: a stale state starts a refresh in the background and answers
 * from what it has, because routing must not add an upstream round trip to every request. No
 * timer runs between requests, so an idle gateway polls nobody and `close()` leaves nothing behind.
 */
export class OllamaHostState {
  readonly client: UpstreamClient;
  private readonly refreshMs: number;
  private readonly vramBytes: number | undefined;
  private readonly downMs: number;
  private readonly now: () => number;
  private readonly lifetime = new AbortController();
  /** Normalised name → bytes in VRAM; undefined until the first successful refresh. */
  private loaded: ReadonlyMap<string, number> | undefined;
  /** Normalised name → bytes on disk (undefined when the host did not say). */
  private pulled: ReadonlyMap<string, number | undefined> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  private downUntil = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;

  constructor(settings: OllamaHostStateSettings) {
    this.client = settings.client;
    this.refreshMs = settings.refreshMs ?? DEFAULT_REFRESH_MS;
    this.vramBytes = settings.vramBytes;
    this.downMs = settings.downMs ?? DEFAULT_DOWN_MS;
    this.now = settings.now ?? Date.now;
  }

  /** True once /api/ps and /api/tags have both been read at least once. */
  get fetched(): boolean {
    return this.loaded !== undefined && this.pulled !== undefined;
  }

  /** When this host last failed to connect (for choosing among hosts that are all down). */
  get lastFailureAt(): number {
    return this.lastFailure;
  }

  isDown(): boolean {
    return this.now() < this.downUntil;
  }

  /** A call could not reach the host: avoid it for a while. */
  markDown(): void {
    this.lastFailure = this.now();
    this.downUntil = this.lastFailure + this.downMs;
  }

  /** Resident on the host now (per the last refresh). */
  isLoaded(modelId: string): boolean {
    return this.loaded?.has(normalizeOllamaModelName(modelId)) ?? false;
  }

  /** Pulled on the host; undefined while unknown. */
  hasModel(modelId: string): boolean | undefined {
    return this.pulled?.has(normalizeOllamaModelName(modelId));
  }

  /**
   * Can the host serve the model without a load that cannot succeed: resident, or pulled and its
   * size fits in the VRAM not held by resident models. Undefined while the state is unknown.
   * Deliberately conservative: Ollama may evict idle models to make room, but counting on that
   * would send a 70B to a host that is busy with other models.
   */
  canServe(modelId: string): boolean | undefined {
    this.refreshIfStale();
    if (this.loaded === undefined || this.pulled === undefined) return undefined;
    const name = normalizeOllamaModelName(modelId);
    if (this.loaded.has(name)) return true;
    if (!this.pulled.has(name)) return false;
    const size = this.pulled.get(name);
    if (this.vramBytes === undefined || size === undefined) return true;
    let used = 0;
    for (const bytes of this.loaded.values()) used += bytes;
    return this.vramBytes - used >= size;
  }

  /** Starts a refresh in the background when the state is older than refreshMs; never waits for it. */
  refreshIfStale(): void {
    if (this.pending !== undefined || this.lifetime.signal.aborted) return;
    if (this.now() - this.lastAttemptAt < this.refreshMs) return;
    void this.refresh();
  }

  /** Reads /api/ps and /api/tags now (joining a refresh already running). Never rejects. */
  refresh(): Promise<void> {
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Stops a refresh in flight; later reads answer from the last state and fetch nothing. */
  close(): void {
    this.lifetime.abort();
  }

  private async load(): Promise<void> {
    this.lastAttemptAt = this.now();
    const signal = this.lifetime.signal;
    try {
      const [ps, tags] = await Promise.all([
        this.client.sendForJson({ method: 'GET', path: '/api/ps', signal }, ollamaPsResponseSchema),
        this.client.sendForJson({ method: 'GET', path: '/api/tags', signal }, ollamaTagsResponseSchema),
      ]);
      this.loaded = new Map((ps.data.models ?? []).map((model) => [normalizeOllamaModelName(model.name), model.size_vram ?? model.size ?? 0]));
      this.pulled = new Map(tags.data.models.map((model) => [normalizeOllamaModelName(model.name), model.size]));
      this.downUntil = 0;
    } catch (error) {
      // A failed refresh keeps the last known state: models rarely change, and "unknown" would
      // make the gate optimistic again. Only a refused connection says the host itself is gone.
      if (!signal.aborted && isConnectionFailure(error)) this.markDown();
    }
  }
}

/** No response at all (refused, reset, DNS, undici timeout): the host, not the request, is the problem. */
export function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof ProviderCallError &&
    error.upstreamStatus === undefined &&
    (error.code === 'upstream_unreachable' || error.code === 'upstream_timeout')
  );
}

/** Failures that happen before a request could be sent: no upstream ever saw it, so another host may take it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The connection was never made (refused, no route, no DNS): safe to send the same call elsewhere. */
export function isConnectionRefused(error: unknown): boolean {
  if (!(error instanceof ProviderCallError) || error.code !== 'upstream_unreachable') return false;
  const cause = error.cause;
  return cause instanceof Error && 'code' in cause && typeof cause.code === 'string' && NOT_SENT_CODES.has(cause.code);
}

/** `llama3.2` ≡ `llama3.2:latest`, as Ollama resolves names (the tag after the last path segment). */
export function normalizeOllamaModelName(name: string): string {
  const trimmed = name.trim();
  const lastSlash = trimmed.lastIndexOf('/');
  return trimmed.indexOf(':', lastSlash + 1) === -1 ? `${trimmed}:latest` : trimmed;
}
