import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { TollgateConfig } from '../config/index.js';
import { ProviderRegistry } from '../execution/provider-registry.js';
import { createApp } from './create-app.js';

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly registry: ProviderRegistry;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes upstream pools. */
  close(): Promise<void>;
}

/** Builds and starts the gateway on the config's host and port (overridable). */
export async function startGateway(options: {
  config: TollgateConfig;
  host?: string;
  port?: number;
  logger?: Logger;
}): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logging.level });
  const registry = ProviderRegistry.fromConfig(config);
  const app = await createApp({ config, registry, logger });
  await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    app,
    registry,
    close: () => {
      closing ??= (async () => {
        const grace = setTimeout(() => app.server.closeAllConnections(), config.server.shutdownGraceSeconds * 1000);
        grace.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(grace);
          await registry.close();
        }
      })();
      return closing;
    },
  };
}
