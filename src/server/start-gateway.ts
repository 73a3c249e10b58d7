import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { TollgateConfig } from '../config/index.js';
import { createApp } from './create-app.js';
import { GatewayRuntime } from './gateway-runtime.js';

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly runtime: GatewayRuntime;
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
}): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logging.level });
  const runtime = new GatewayRuntime(config);
  const loader = options.loadConfig;
  const reload = async (): Promise<void> => {
    if (!loader) throw new Error('This gateway was started without a config source to reload from.');
    const next = await loader(); // validation errors propagate: the running config stays
    runtime.reload(next);
    logger.info({ providers: Object.keys(next.providers), rules: next.routing.rules?.length ?? 'default policy' }, 'configuration reloaded');
  };
  const app = await createApp({ runtime, logger, ...(loader ? { reloadConfig: reload } : {}) });
  await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    app,
    runtime,
    reload,
    close: () => {
      closing ??= (async () => {
        const grace = setTimeout(() => app.server.closeAllConnections(), config.server.shutdownGraceSeconds * 1000);
        grace.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(grace);
          await runtime.close();
        }
      })();
      return closing;
    },
  };
}
