import { InvalidArgumentError, type Command } from 'commander';

interface AdminOptions {
  url: string;
  adminKey?: string;
}

/** `tollgate mode …` and `tollgate reload`: the kill switch and config reload, through the admin API. */
export function registerAdminCommands(program: Command): void {
  const withTarget = (command: Command) =>
    command
      .option('--url <url>', 'the running gateway', process.env.TOLLGATE_URL ?? 'http://127.0.0.1:4000')
      .option('--admin-key <key>', 'admin key (default: $TOLLGATE_ADMIN_KEY)', process.env.TOLLGATE_ADMIN_KEY);

  withTarget(
    program
      .command('mode')
      .description('Show or change routing for every new request at once: auto | cloud-only | local-only | reset (back to the configured mode)')
      .argument('[mode]', 'the mode to set', (value: string) => {
        if (!['auto', 'cloud-only', 'local-only', 'reset'].includes(value)) throw new InvalidArgumentError('expected auto, cloud-only, local-only or reset');
        return value;
      }),
  ).action(async (mode: string | undefined, options: AdminOptions) => {
    const state = mode === undefined ? await admin(options, 'GET', '/admin/mode') : await admin(options, 'PUT', '/admin/mode', { mode: mode === 'reset' ? null : mode });
    console.log(`mode: ${state.mode}${state.overridden ? ` (overriding the configured ${state.configured})` : ''}`);
  });

  withTarget(program.command('reload').description('Re-read and validate the config file of the running gateway; a bad file is rejected and the old config stays')).action(
    async (options: AdminOptions) => {
      await admin(options, 'POST', '/admin/reload');
      console.log('configuration reloaded');
    },
  );
}

async function admin(options: AdminOptions, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.adminKey) headers.authorization = `Bearer ${options.adminKey}`;
  let response: Response;
  try {
    response = await fetch(new URL(path, options.url), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    throw new Error(`Cannot reach the gateway at ${options.url}: ${(error as Error).message}`);
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const error = json.error as { message?: string } | undefined;
    throw new Error(`${response.status}: ${error?.message ?? 'request failed'}`);
  }
  return json;
}
