import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { validateConfig, type ConfigInput } from '../config/index.js';
import { startAnthropicSim, startOllamaSim, startOpenAISim, type SimServer } from '../sim/index.js';
import { startGateway, type RunningGateway } from '../server/start-gateway.js';

type OllamaSimOptions = NonNullable<Parameters<typeof startOllamaSim>[0]>;
type OpenAISimOptions = NonNullable<Parameters<typeof startOpenAISim>[0]>;
type AnthropicSimOptions = NonNullable<Parameters<typeof startAnthropicSim>[0]>;

let stacks = 0;

export interface Stack {
  readonly gateway: RunningGateway;
  readonly ollama: SimServer;
  readonly openai: SimServer;
  readonly anthropic: SimServer;
  close(): Promise<void>;
}

/**
 * The three simulators and a gateway wired to them on ephemeral loopback ports: the same code
 * paths that talk to the real services, with upstreams we can script and break.
 */
export async function startStack(
  options: {
    ollama?: OllamaSimOptions;
    openai?: OpenAISimOptions;
    anthropic?: AnthropicSimOptions;
    config?: (urls: { ollama: string; openai: string; anthropic: string }) => Partial<ConfigInput>;
    /** The gateway's logger; default silent. */
    logger?: Logger;
  } = {},
): Promise<Stack> {
  const [ollama, openai, anthropic] = await Promise.all([
    startOllamaSim(options.ollama ?? {}),
    startOpenAISim({ apiKey: 'sim-openai-key', ...options.openai }),
    startAnthropicSim({ apiKey: 'sim-anthropic-key', ...options.anthropic }),
  ]);
  const urls = { ollama: ollama.url, openai: openai.url, anthropic: anthropic.url };
  const overrides = options.config?.(urls) ?? {};
  const config = validateConfig(
    {
      logging: { level: 'silent' },
      // A throwaway ledger per stack; a test that cares about the store passes its own `ledger`.
      ledger: { url: ':memory:', spillFile: join(tmpdir(), `tollgate-spill-${process.pid}-${++stacks}.jsonl`), flushIntervalMs: 10 },
      // The monitor polls at start and when a test asks (`gateway.monitor.poll()`): a timer firing
      // mid-test would meet (and use up) that test's faults.
      monitor: { intervalMs: 3_600_000 },
      ...overrides,
      // Providers and aliases merge over the defaults, so a test names only what it changes.
      providers: {
        ollama: { type: 'ollama', baseUrl: ollama.url },
        openai: { type: 'openai', baseUrl: `${openai.url}/v1`, apiKey: 'sim-openai-key' },
        anthropic: { type: 'anthropic', baseUrl: anthropic.url, apiKey: 'sim-anthropic-key' },
        'ollama-v1': { type: 'openai-compatible', baseUrl: `${openai.url}/v1` },
        ...overrides.providers,
      },
      models: {
        'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 8192, keepAlive: '10m' },
        agent: 'ollama/llama3.2',
        'cloud-fast': 'anthropic/claude-haiku-5-5',
        'cloud-smart': 'openai/gpt-4o',
        embed: 'ollama/nomic-embed-text',
        ...overrides.models,
      },
    },
    'test',
  );
  const gateway = await startGateway({ config, port: 0, logger: options.logger ?? pino({ level: 'silent' }) });
  return {
    gateway,
    ollama,
    openai,
    anthropic,
    close: async () => {
      await gateway.close();
      await Promise.all([ollama.close(), openai.close(), anthropic.close()]);
    },
  };
}
