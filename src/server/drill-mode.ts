import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, InvalidRequestError, NotFoundError, type RoutingMode } from '../core/index.js';
import type { TollgateConfig } from '../config/index.js';
import type { DrillRecord, DrillRequest, LedgerStore } from '../ledger/ledger-store.js';
import { DRILL_TASK, type ActiveDrill, type DrillRoute } from '../planning/scorecard/drill-protocol.js';
import { localProviderTest } from '../routing/resolve-route-target.js';
import { findModelSpec, loadModelSpecs, type ModelSpecs } from '../planning/model-fit/index.js';
import type { GatewaySnapshot } from './gateway-runtime.js';

/**
 * The gateway's side of a fallback drill (`tollgate drill`, `POST /admin/drill`).
 *
 * While a drill runs, new requests take a snapshot of the same config whose local providers are
 * real provider instances pointed at a loopback port nothing listens on (see
 * `GatewayRuntime.setDrill`). Every local attempt therefore fails the way a stopped GPU box
 * fails: the provider's own undici call is refused, it raises its own `upstream_unreachable`, and
 * the executor's ordinary fallback (no retry for a refused local host, breaker, next target)
 * answers from the cloud. Nothing on the request path knows a drill is on. The monitor keeps
 * polling the real hosts from the config, so a drill never shows as an outage in uptime.
 *
 * A drill ends when its client says so (with what it saw), or by itself after its max duration,
 * so a client that dies cannot leave local traffic off. Either way the result is stored.
 */

/** Drills end by themselves after this long unless the client asks for another limit. */
export const DEFAULT_DRILL_MS = 60_000;
/** No drill may keep local targets off longer than this. */
export const MAX_DRILL_MS = 600_000;

export interface DrillTimers {
  /** Calls `fire` once after `ms`, unless the returned function is called first. */
  after(ms: number, fire: () => void): () => void;
}

/** The runtime a drill switches. GatewayRuntime is one. */
export interface DrillableRuntime {
  readonly snapshot: Pick<GatewaySnapshot, 'config' | 'router' | 'gates' | 'isLocal'>;
  readonly mode: RoutingMode;
  readonly drilling: boolean;
  setDrill(url: string | undefined): void;
}

export interface DrillModeOptions {
  readonly runtime: DrillableRuntime;
  /** Where results go: the ledger's store. */
  readonly store: Pick<LedgerStore, 'appendDrill'>;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly timers?: DrillTimers;
  /** A URL that refuses connections; default: a loopback port opened and closed at once. */
  readonly closedUrl?: () => Promise<string>;
  readonly newId?: () => string;
  /** The model catalogue (config/model-specs.yaml): an alias of an embedding model gets no chat request. */
  readonly modelSpecs?: () => Promise<Pick<ModelSpecs, 'models'>>;
}

export type { ActiveDrill, DrillRoute };

const realTimers: DrillTimers = {
  after(ms, fire) {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export class DrillMode {
  private readonly runtime: DrillableRuntime;
  private readonly store: DrillModeOptions['store'];
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly timers: DrillTimers;
  private readonly closedUrl: () => Promise<string>;
  private readonly newId: () => string;
  private readonly modelSpecs: () => Promise<Pick<ModelSpecs, 'models'>>;
  private running: { readonly drill: ActiveDrill; readonly cancel: () => void } | undefined;
  private starting = false;
  /** The last drill that ended, so a client arriving late learns what happened to its drill. */
  private lastEnded: DrillRecord | undefined;

  constructor(options: DrillModeOptions) {
    this.runtime = options.runtime;
    this.store = options.store;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? realTimers;
    this.closedUrl = options.closedUrl ?? closedLoopbackUrl;
    this.newId = options.newId ?? (() => `drill_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
    this.modelSpecs = options.modelSpecs ?? (() => loadModelSpecs());
  }

  /** The drill running now, if any. */
  get active(): ActiveDrill | undefined {
    return this.running?.drill;
  }

  /** Makes every local target fail until `end` or `maxDurationMs`. Refuses when one runs already or there is nothing to drill. */
  async start(options: { maxDurationMs?: number } = {}): Promise<ActiveDrill> {
    if (this.running || this.starting || this.runtime.drilling) {
      const drill = this.running?.drill;
      throw new GatewayError(409, 'invalid_request', drill ? `Drill ${drill.id} is running until ${new Date(drill.endsAt).toISOString()}; end it first.` : 'A drill is starting.', false);
    }
    const maxDurationMs = options.maxDurationMs ?? DEFAULT_DRILL_MS;
    if (!(maxDurationMs > 0 && maxDurationMs <= MAX_DRILL_MS)) throw new InvalidRequestError(`maxDurationMs must be between 1 and ${MAX_DRILL_MS}.`, { param: 'maxDurationMs' });
    const { snapshot, mode } = this.runtime;
    const localTargets = Object.keys(snapshot.config.providers).filter((name) => snapshot.isLocal(name));
    if (localTargets.length === 0) throw new InvalidRequestError('No local provider is configured: there is nothing to drill.');
    // From here until the drill is on, a second start is refused: the catalogue and the port are awaited.
    this.starting = true;
    let url: string;
    let routes: DrillRoute[];
    try {
      const specs = await this.modelSpecs().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'drill: the model catalogue could not be read; embedding aliases are not told apart');
        return { models: {} };
      });
      routes = drillRoutes(snapshot, mode, (modelId) => findModelSpec(specs, modelId)?.spec.kind === 'embedding');
      if (routes.length === 0) {
        throw new InvalidRequestError(
          mode === 'auto'
            ? 'No model alias routes to a local target with a cloud target after it, so no request could show the cloud taking over.'
            : `The routing mode is ${mode} (the kill switch): local targets are not tried first, so a drill would prove nothing. Run \`tollgate mode reset\` first.`,
        );
      }
      url = await this.closedUrl();
    } finally {
      this.starting = false;
    }
    this.runtime.setDrill(url);
    const startedAt = this.now();
    const id = this.newId();
    const drill: ActiveDrill = { id, startedAt, endsAt: startedAt + maxDurationMs, maxDurationMs, localTargets, routes, task: DRILL_TASK };
    const cancel = this.timers.after(maxDurationMs, () => {
      if (this.running?.drill.id !== id) return;
      this.finish('timeout', []).catch((error: unknown) => this.logger.error({ err: error, drill: id }, 'drill: could not record a drill that timed out'));
    });
    this.running = { drill, cancel };
    this.logger.warn({ drill: id, localTargets, maxDurationMs, redirectedTo: url }, 'drill: local targets fail until the drill ends');
    return drill;
  }

  /** The client's end: restores local targets, stores the result with the requests it checked. */
  async end(id: string, requests: readonly DrillRequest[]): Promise<DrillRecord> {
    if (this.running?.drill.id !== id) {
      const ended = this.lastEnded?.id === id ? this.lastEnded : undefined;
      throw new NotFoundError(
        ended
          ? `Drill ${id} was already ended (${ended.endedBy}) at ${new Date(ended.endedAt).toISOString()} and recorded as ${ended.passed ? 'passed' : `failed: ${ended.reason ?? ''}`}.`
          : `No drill ${id} is running.`,
      );
    }
    return this.finish('client', requests);
  }

  /** Gateway shutdown: local targets come back and a running drill is recorded as cut short. */
  async close(): Promise<void> {
    if (this.running) await this.finish('shutdown', []).catch((error: unknown) => this.logger.error({ err: error }, 'drill: could not record the drill cut short by shutdown'));
  }

  private async finish(endedBy: DrillRecord['endedBy'], requests: readonly DrillRequest[]): Promise<DrillRecord> {
    const running = this.running;
    if (!running) throw new NotFoundError('No drill is running.');
    // Local targets come back first, whatever happens to the record.
    this.running = undefined;
    running.cancel();
    this.runtime.setDrill(undefined);
    const { drill } = running;
    const failures = requests.filter((request) => !request.passed);
    const passed = endedBy === 'client' && requests.length > 0 && failures.length === 0;
    const record: DrillRecord = {
      id: drill.id,
      startedAt: drill.startedAt,
      endedAt: this.now(),
      passed,
      endedBy,
      reason: passed ? null : failureReason(endedBy, drill, requests, failures),
      localTargets: drill.localTargets,
      requests,
    };
    this.lastEnded = record;
    const log = passed ? 'info' : 'warn';
    this.logger[log]({ drill: drill.id, endedBy, passed, requests: requests.length, reason: record.reason }, 'drill: ended, local targets restored');
    await this.store.appendDrill(record);
    return record;
  }
}

function failureReason(endedBy: DrillRecord['endedBy'], drill: ActiveDrill, requests: readonly DrillRequest[], failures: readonly DrillRequest[]): string {
  if (endedBy === 'timeout') return `ended by the gateway after its max duration of ${Math.round(drill.maxDurationMs / 1000)} s: the client never reported its results.`;
  if (endedBy === 'shutdown') return 'the gateway shut down during the drill.';
  if (requests.length === 0) return 'no request was sent during the drill.';
  const first = failures[0]!;
  return `${failures.length} of ${requests.length} requests not answered by the cloud after a local failure; first: ${first.requestId}: ${first.reason ?? 'failed'}`;
}

/**
 * The aliases worth a drill request: their plan (as a drill request with its task gets it, in the
 * current mode) starts on a local target and has a cloud target after it. A drill sends chat
 * requests, so an alias whose local model is an embedding model (`isEmbedding`) proves nothing.
 */
export function drillRoutes(
  snapshot: Pick<GatewaySnapshot, 'config' | 'router' | 'gates'>,
  mode: RoutingMode,
  isEmbedding: (modelId: string) => boolean = () => false,
): DrillRoute[] {
  const routes: DrillRoute[] = [];
  for (const model of Object.keys(snapshot.config.models)) {
    let plan;
    try {
      plan = snapshot.router.plan({ model, task: DRILL_TASK }, mode, snapshot.gates);
    } catch {
      continue; // an alias nothing can serve now is no use to a drill
    }
    const [first] = plan.targets;
    if (first?.local && !isEmbedding(first.modelId) && plan.targets.some((target) => !target.local)) {
      routes.push({ model, rule: plan.rule, targets: plan.targets.map((target) => ({ ref: target.ref, local: target.local })) });
    }
  }
  return routes;
}

/**
 * The providers requests use during a drill: every local one pointed at `url`, where nothing
 * listens. A pool keeps its number of hosts (each a distinct path on the closed port), so its
 * capacity and host selection behave as configured.
 */
export function redirectLocalProviders(config: TollgateConfig, url: string): TollgateConfig['providers'] {
  const isLocal = localProviderTest(config);
  const providers: TollgateConfig['providers'] = {};
  for (const [name, settings] of Object.entries(config.providers)) {
    if (!isLocal(name)) {
      providers[name] = settings;
    } else if (settings.type === 'ollama') {
      providers[name] = settings.hosts ? { ...settings, hosts: settings.hosts.map((_, index) => `${url}/drill-host-${index}`) } : { ...settings, baseUrl: url };
    } else {
      providers[name] = { ...settings, baseUrl: settings.type === 'anthropic' ? url : `${url}/v1` };
    }
  }
  return providers;
}

/** A loopback port opened and closed at once: connecting to it is refused, as to a stopped server. */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
