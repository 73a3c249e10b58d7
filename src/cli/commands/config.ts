import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/index.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('Inspect the configuration');
  config
    .command('check')
    .description('Validate the config file and print the effective configuration (API keys masked)')
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .action(async (options: { config?: string }) => {
      const { config: loaded, source } = await loadConfig({ path: options.config });
      console.log(`# ${source}: valid`);
      console.log(stringify(loaded, (key, value: unknown) => (key === 'apiKey' && typeof value === 'string' ? `${value.slice(0, 4)}…` : value)));
    });
}
