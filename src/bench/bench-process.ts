/**
 * One role of the benchmark in its own process (so the load generator, the gateway and the
 * upstream do not share an event loop): `sim-openai`, `sim-ollama`, `bare-proxy <upstream>`,
 * `gateway <openai-url> <ollama-url>`. Reports its URL to the parent over IPC.
 */
// Imports are per role, so the gateway's process (whose RSS is measured) loads only the gateway.

async function start(role: string, args: string[]): Promise<string> {
  switch (role) {
    case 'sim-openai': {
      const { startOpenAISim } = await import('../sim/index.js');
      return (await startOpenAISim({ outputTokens: 32 })).url;
    }
    case 'sim-ollama': {
      const { startOllamaSim } = await import('../sim/index.js');
      return (await startOllamaSim({ outputTokens: 32, numParallel: 1024, maxQueue: 100_000 })).url;
    }
    case 'bare-proxy': {
      const { startBareProxy } = await import('./bare-proxy.js');
      return (await startBareProxy({ upstream: args[0] ?? '', model: 'gpt-4o-mini' })).url;
    }
    case 'gateway':
    case 'gateway-no-ledger': {
      const { validateConfig } = await import('../config/index.js');
      const { startGateway } = await import('../server/start-gateway.js');
      const { mkdtemp } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      // The real ledger: a SQLite file with its writer thread, as `tollgate serve` runs it.
      const dir = await mkdtemp(join(tmpdir(), 'tollgate-bench-'));
      const config = validateConfig(
        {
          logging: { level: 'warn' },
          ledger: { url: `sqlite:${join(dir, 'ledger.db')}`, spillFile: join(dir, 'spill.jsonl') },
          providers: {
            openai: { type: 'openai', baseUrl: `${args[0]}/v1`, apiKey: 'bench' },
            // The simulated host has 1024 slots: the bench measures our overhead, not overflow.
            ollama: { type: 'ollama', baseUrl: args[1], maxInFlight: 1024, maxQueue: 1024 },
          },
          models: { bench: 'openai/gpt-4o-mini', 'bench-local': 'ollama/llama3.2' },
        },
        'bench',
      );
      const store = role === 'gateway-no-ledger' ? (await import('./discarding-ledger-store.js')).createDiscardingLedgerStore() : undefined;
      return (await startGateway({ config, port: 0, ...(store ? { store } : {}) })).url;
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

const [role = '', ...args] = process.argv.slice(2);
start(role, args).then(
  (url) => process.send?.({ url }),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

// The parent asks for memory figures while the load runs.
process.on('message', (message: { type?: string }) => {
  if (message.type === 'memory') process.send?.({ memory: process.memoryUsage() });
  // A clean exit, so `--cpu-prof` writes its profile when profiling a role.
  if (message.type === 'exit') process.exit(0);
});
