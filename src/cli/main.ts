import { Command } from 'commander';
import { registerServeCommand } from './commands/serve.js';
import { registerSimCommand } from './commands/sim.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerConfigCommand } from './commands/config.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerReportCommand } from './commands/report.js';
import { registerKeysCommand } from './commands/keys.js';

/** `tollgate <command>`: one file per command under commands/. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name('tollgate')
    .description('A cost-aware LLM gateway: local models first, the cloud when local cannot, and a ledger that proves the savings.')
    .showHelpAfterError();
  registerServeCommand(program);
  registerDemoCommand(program);
  registerSimCommand(program);
  registerConfigCommand(program);
  registerAdminCommands(program);
  registerReportCommand(program);
  registerKeysCommand(program);
  await program.parseAsync([...argv]);
}
