import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { startGateway } from '../../server/start-gateway.js';
import { onShutdown, parsePort } from '../shared.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the gateway (default 127.0.0.1:4000). Without a config file: Ollama on localhost, clouds whose API keys are set.')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .option('-p, --port <port>', 'port to listen on', parsePort)
    .option('--host <host>', 'address to bind')
    .action(async (options: { config?: string; port?: number; host?: string }) => {
      const { config, source } = await loadConfig({ path: options.config });
      const reloadable = source !== 'defaults';
      const gateway = await startGateway({
        config,
        port: options.port,
        host: options.host,
        ...(reloadable ? { loadConfig: async () => (await loadConfig({ path: source })).config } : {}),
      });
      const providers = Object.entries(config.providers).map(([name, p]) => `${name} (${p.type} ${'hosts' in p && p.hosts ? p.hosts.join(' + ') : p.baseUrl})`);
      console.log(`Tollgate listening on ${gateway.url}`);
      console.log(`  config:    ${source}`);
      console.log(`  providers: ${providers.join(', ') || 'none'}`);
      console.log(`  aliases:   ${Object.keys(config.models).join(', ') || 'none'}`);
      console.log(`  ledger:    ${config.ledger.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')} (tollgate report, GET /api/usage)`);
      console.log(`  mode:      ${gateway.runtime.mode}${reloadable ? ` (SIGHUP or \`tollgate reload\` re-reads ${source})` : ''}`);
      // SIGHUP: re-read the config; a bad file is reported and the running config stays.
      process.on('SIGHUP', () => {
        gateway.reload().then(
          () => console.log('configuration reloaded'),
          (error: unknown) => console.error(`reload rejected, keeping the running configuration:\n${error instanceof Error ? error.message : String(error)}`),
        );
      });
      onShutdown(() => gateway.close());
    });
}
