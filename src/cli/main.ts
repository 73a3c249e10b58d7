import { Command } from 'commander';
import { registerServeCommand } from './commands/serve.js';
import { registerSimCommand } from './commands/sim.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerConfigCommand } from './commands/config.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerReportCommand } from './commands/report.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerScorecardCommand } from './commands/scorecard.js';
import { registerDrillCommand } from './commands/drill.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerModelsCommand } from './commands/models.js';

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
  registerScorecardCommand(program);
  registerDrillCommand(program);
  registerPlanCommand(program);
  registerModelsCommand(program);
  await program.parseAsync([...argv]);
}
