import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createGatewayLogger } from './gateway-logger.js';
import type { TollgateConfig } from '../config/index.js';
import { createApp } from './create-app.js';
import { GatewayRuntime } from './gateway-runtime.js';
import { Ledger } from '../ledger/ledger.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { openLedgerStore } from '../ledger/store/index.js';
import { loadPriceCatalog } from '../pricing/index.js';
import { createAuthenticator, createBudgetGuard, createRateLimiter } from '../auth/index.js';
import type { RecordPricing } from '../ledger/build-ledger-record.js';
import { TargetMonitor } from '../monitor/target-monitor.js';
import { prepareRequestPathChecks } from '../validation/fast-parse.js';

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly runtime: GatewayRuntime;
  /** Every request's record goes here (group commit over the configured store). */
  readonly ledger: Ledger;
  /** Target health and uptime history: polls local hosts, learns cloud health from the ledger's records. */
  readonly monitor: TargetMonitor;
  /** Re-reads the config (when started with a loader) and swaps it in; throws ConfigError and keeps the old one if it is bad. */
  reload(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes upstream pools. */
  close(): Promise<void>;
}

/** Builds and starts the gateway on the config's host and port (overridable). */
export async function startGateway(options: {
  config: TollgateConfig;
  /** Where a reload reads the config from (the file `serve` was started with). */
  loadConfig?: () => Promise<TollgateConfig>;
  host?: string;
  port?: number;
  logger?: Logger;
  /** An already open store (tests, benchmarks); default: open `ledger.url`. Closed by the gateway either way. */
  store?: LedgerStore;
}): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? createGatewayLogger(config.logging);
  const warned = new Set<string>();
  const runtime = new GatewayRuntime(config, {
    catalog: await loadPriceCatalog(),
    onUnknownPrice: (ref, warning) => {
      if (!warned.has(ref)) logger.warn({ target: ref }, warning);
      warned.add(ref);
    },
  });

  // The request path's wire-format checks: the build's precompiled ones, else compiled now, never during a request.
  const preparing = performance.now();
  const checks = await prepareRequestPathChecks();
  logger.debug({ ...checks, ms: Math.round(performance.now() - preparing) }, 'request-path checks ready');

  const store = options.store ?? (await openLedger(config.ledger.url));
  if (options.store) await store.migrate();
  const ledger = new Ledger({
    store,
    logger,
    batchSize: config.ledger.batchSize,
    flushIntervalMs: config.ledger.flushIntervalMs,
    maxPending: config.ledger.maxPending,
    spillFile: config.ledger.spillFile,
  });
  await ledger.replaySpill();
  const budgets = createBudgetGuard({ store, config: config.budgets, logger, pendingRecords: () => ledger.pendingRecords() });
  await budgets.start();
  const rateLimiter = createRateLimiter({ config: config.rateLimits, logger });
  ledger.observe((record) => budgets.observe(record));
  const monitor = new TargetMonitor({ runtime, store, logger });
  ledger.observe((record) => monitor.observe(record));
  const pruneTimer = config.ledger.storePayloads ? startPayloadPruning(store, config.ledger.payloadRetentionDays, logger) : undefined;

  // Prices follow config reloads: each record is priced by the snapshot current when it is built.
  const pricing: RecordPricing = {
    cost: (...args) => runtime.snapshot.priceBook.cost(...args),
    referenceFor: (...args) => runtime.snapshot.priceBook.referenceFor(...args),
    referenceCost: (...args) => runtime.snapshot.priceBook.referenceCost(...args),
  };
  const loader = options.loadConfig;
  const reload = async (): Promise<void> => {
    if (!loader) throw new Error('This gateway was started without a config source to reload from.');
    const next = await loader(); // validation errors propagate: the running config stays
    runtime.reload(next);
    logger.info({ providers: Object.keys(next.providers), rules: next.routing.rules?.length ?? 'default policy' }, 'configuration reloaded');
  };
  const app = await createApp({
    runtime,
    logger,
    accounting: { ledger, pricing, storePayloads: config.ledger.storePayloads },
    auth: { authenticator: createAuthenticator({ store }), budgets, rateLimiter },
    monitor,
    ...(loader ? { reloadConfig: reload } : {}),
  });
  await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port });
  // Returns knowing every local target's state, so /ready is right from the first call. A host
  // that refuses costs nothing; one that hangs delays this by monitor.timeoutMs at most.
  await monitor.start();
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    app,
    runtime,
    ledger,
    monitor,
    reload,
    close: () => {
      closing ??= (async () => {
        const grace = setTimeout(() => app.server.closeAllConnections(), config.server.shutdownGraceSeconds * 1000);
        grace.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(grace);
          if (pruneTimer) clearInterval(pruneTimer);
          // Its `stopped` events mark the time the gateway is down as unknown; they need the store.
          await monitor.close();
          budgets.close();
          await runtime.close();
          // Every answered request is recorded before the store goes away.
          await ledger.close();
          await rateLimiter.close();
          await store.close();
        }
      })();
      return closing;
    },
  };
}

/** Erases stored prompts and responses past their retention, hourly; records stay. */
function startPayloadPruning(store: LedgerStore, retentionDays: number, logger: Logger): NodeJS.Timeout {
  const prune = () => {
    store.prunePayloads(Date.now() - retentionDays * 86_400_000).then(
      (count) => {
        if (count > 0) logger.info({ records: count, retentionDays }, 'ledger: erased prompts and responses past retention');
      },
      (error: unknown) => logger.error({ err: error }, 'ledger: pruning stored prompts failed'),
    );
  };
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return timer;
}

/** Opens and migrates the configured store, or says which ledger could not be opened and why. */
async function openLedger(url: string): Promise<LedgerStore> {
  try {
    return await openLedgerStore(url); // migrates to the current schema
  } catch (error) {
    const where = url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
    const hint = /^postgres/i.test(url) ? ' Is PostgreSQL running and the database created? Without ledger.url the gateway uses SQLite in ./data.' : '';
    throw new Error(`Cannot open the ledger at ${where}: ${(error as Error).message}.${hint}`, { cause: error });
  }
}
