import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError } from '../../core/index.js';
import type { BreakerState } from '../../execution/circuit-breaker.js';
import type { ExecutorState } from '../../execution/executor.js';
import type { Ledger } from '../../ledger/ledger.js';
import { parseTime } from '../../ledger/reports.js';
import type { HostStatus, MonitorView, TargetStatus, UptimeRow } from '../../monitor/monitor-view.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin } from './admin.js';

export interface StatusRouteDeps {
  readonly runtime: GatewayRuntime;
  readonly monitor: MonitorView;
  /** Queue depth and whether the store is taking writes. */
  readonly ledger: Pick<Ledger, 'stats' | 'store'>;
  readonly now: () => number;
  /** Reported by `/api/status`; default: package.json's. */
  readonly version?: string;
}

/** A target as `/api/status` shows it: the monitor's view with the executor's live state merged in. */
export interface TargetReport extends Omit<TargetStatus, 'hosts'> {
  /** An Ollama pool's hosts, each with the calls it is serving now. */
  readonly hosts?: readonly HostReport[];
  /** Not down and not every breaker of it open: a request could be sent to it now. */
  readonly usable: boolean;
  /** Circuit breakers of this provider's models that have seen traffic, by `provider/model`. */
  readonly breakers: Readonly<Record<string, BreakerState>>;
  /** In-flight and queued requests against the gateway's limits (local providers only). */
  readonly capacity?: ExecutorState['capacity'][string];
}

export interface HostReport extends HostStatus {
  /** Calls sent to this host and not finished (pools only: what the pool balances on). */
  readonly inFlight?: number;
}

/** A model resident on a host, flattened for the status page. */
export interface LoadedModelReport {
  readonly target: string;
  readonly host: string;
  readonly name: string;
  readonly vramBytes: number;
  readonly expiresAt?: number;
}

export interface StatusReport {
  /** `ok`: every known target usable and the store writing; `degraded`: some are not; `down`: not ready (see `/ready`). */
  readonly status: 'ok' | 'degraded' | 'down';
  readonly version: string;
  /** ISO time this gateway started, and seconds since. */
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly mode: { readonly mode: string; readonly configured: string; readonly overridden: boolean };
  readonly targets: readonly TargetReport[];
  readonly loadedModels: readonly LoadedModelReport[];
  readonly ledger: { readonly kind: string; readonly pending: number; readonly written: number; readonly spilled: number; readonly failing: boolean };
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not, one line each; empty when ready. */
  readonly reasons: readonly string[];
  readonly usableTargets: readonly string[];
}

const uptimeQuery = z.object({
  since: z.string().default('30d'),
  until: z.string().optional(),
  target: z.string().optional(),
  period: z.enum(['day', 'week', 'month']).optional(),
});

/**
 * Health for machines and people. `GET /health` is liveness (the process serves HTTP); `GET /ready`
 * is readiness (a target could take a request and the ledger store is writing: 503 with the
 * reasons otherwise), for load balancers and orchestrators. `GET /api/status` and `GET /api/uptime`
 * (admin key) are the operator's view: targets, breakers, capacity, loaded models, ledger queue,
 * and measured uptime per target over a window.
 */
export function registerStatusRoutes(app: FastifyInstance, deps: StatusRouteDeps): void {
  const { runtime, monitor, ledger, now } = deps;
  const startedAt = now();
  const version = deps.version ?? packageVersion();
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, runtime.snapshot.config.admin.key);

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const readiness = readinessOf(targetReports(runtime, monitor), ledger.stats);
    void reply.code(readiness.ready ? 200 : 503);
    return { status: readiness.ready ? 'ready' : 'not_ready', ...readiness };
  });

  app.get('/api/status', { onRequest: guard }, async (): Promise<StatusReport> => {
    const targets = targetReports(runtime, monitor);
    const stats = ledger.stats;
    const readiness = readinessOf(targets, stats);
    const at = now();
    return {
      status: !readiness.ready ? 'down' : targets.every((target) => target.usable) ? 'ok' : 'degraded',
      version,
      startedAt: new Date(startedAt).toISOString(),
      uptimeSeconds: Math.max(0, (at - startedAt) / 1000),
      mode: { mode: runtime.mode, configured: runtime.snapshot.config.routing.mode, overridden: runtime.modeOverridden },
      targets,
      loadedModels: targets.flatMap((target) =>
        (target.hosts ?? []).flatMap((host) => host.loaded.map((model) => ({ target: target.target, host: host.url, ...model }))),
      ),
      ledger: { kind: ledger.store.kind, ...stats },
    };
  });

  app.get('/api/uptime', { onRequest: guard }, async (request): Promise<{ since: string; until: string; rows: UptimeRow[] }> => {
    const parsed = uptimeQuery.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') ?? '';
      throw new InvalidRequestError(`Bad query parameter ${param}: ${issue?.message ?? 'invalid'}.`, { param });
    }
    const query = parsed.data;
    const at = now();
    const from = time(query.since, at, 'since');
    const to = query.until === undefined ? at : time(query.until, at, 'until');
    if (to < from) throw new InvalidRequestError('`until` is before `since`.', { param: 'until' });
    const rows = await monitor.uptime({
      from,
      to,
      ...(query.target !== undefined ? { target: query.target } : {}),
      ...(query.period !== undefined ? { period: query.period } : {}),
    });
    return { since: new Date(from).toISOString(), until: new Date(to).toISOString(), rows };
  });
}

/** Every configured target with its breakers and capacity. Breakers are per `provider/model`, capacity per provider. */
export function targetReports(runtime: GatewayRuntime, monitor: MonitorView): TargetReport[] {
  const { breakers, capacity } = runtime.snapshot.executor.state();
  return monitor.statuses().map((status) => {
    const prefix = `${status.target}/`;
    const own = Object.fromEntries(Object.entries(breakers).filter(([ref]) => ref.startsWith(prefix)));
    const states = Object.values(own);
    const allOpen = states.length > 0 && states.every((state) => state === 'open');
    const limits = capacity[status.target];
    // A pool's hosts carry the calls each is serving, next to what the monitor saw of them.
    const load = runtime.snapshot.registry.get(status.target)?.hostLoad?.();
    const hosts = status.hosts && load ? status.hosts.map((host) => ({ ...host, inFlight: load.find((entry) => entry.url === host.url)?.inFlight ?? 0 })) : status.hosts;
    return { ...status, ...(hosts ? { hosts } : {}), usable: status.state !== 'down' && !allOpen, breakers: own, ...(limits ? { capacity: limits } : {}) };
  });
}

/**
 * Ready when some target is usable (a target not yet checked counts: refusing traffic at start
 * until the first poll would be worse than one failed attempt) and the ledger's last write did not
 * fail. The ledger's own state is the cheap test of writability: it writes every 100 ms under load,
 * and a failed batch stays "failing" until a retry succeeds.
 */
export function readinessOf(targets: readonly TargetReport[], ledger: { failing: boolean; pending: number }): Readiness {
  const usableTargets = targets.filter((target) => target.usable).map((target) => target.target);
  const reasons: string[] = [];
  if (targets.length === 0) reasons.push('no targets are configured');
  else if (usableTargets.length === 0) {
    const why = targets.map((target) => `${target.target}: ${target.state === 'down' ? `down${target.error ? ` (${target.error})` : ''}` : 'every breaker open'}`);
    reasons.push(`no usable target: ${why.join('; ')}`);
  }
  if (ledger.failing) reasons.push(`the ledger store is failing; ${ledger.pending} ${ledger.pending === 1 ? 'record is' : 'records are'} waiting to be written`);
  return { ready: reasons.length === 0, reasons, usableTargets };
}

function time(value: string, now: number, param: string): number {
  try {
    return parseTime(value, now);
  } catch (error) {
    throw new InvalidRequestError((error as Error).message, { param });
  }
}

/** package.json sits three levels up from both src/server/routes and dist/server/routes. */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
