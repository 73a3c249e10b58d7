import { InvalidArgumentError, type Command } from 'commander';
import type { SimServer } from '../../sim/index.js';
import { onShutdown, parseNumber, parsePort } from '../shared.js';

const KINDS = ['ollama', 'openai', 'anthropic'] as const;
type Kind = (typeof KINDS)[number];

interface SimCommandOptions {
  port: number;
  host: string;
  seed?: number;
  latency?: number;
  tps?: number;
  parallel?: number;
  queue?: number;
  loadTime?: number;
  fault: unknown[];
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Run a simulated upstream (for tests, benchmarks and trying Tollgate without a GPU or keys)')
    .argument('<kind>', `one of ${KINDS.join(', ')}`, (value: string): Kind => {
      if (!(KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${KINDS.join(', ')}`);
      return value as Kind;
    })
    .option('-p, --port <port>', 'port (default: 11434 for ollama, 0 = any free port otherwise)', parsePort)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed for the deterministic answers', parseNumber)
    .option('--latency <ms>', 'latency to the first token', parseNumber)
    .option('--tps <n>', 'tokens per second (0 = as fast as possible)', parseNumber)
    .option('--parallel <n>', 'ollama: parallel slots per model (OLLAMA_NUM_PARALLEL)', parseNumber)
    .option('--queue <n>', 'ollama: queued requests before 503 (OLLAMA_MAX_QUEUE)', parseNumber)
    .option('--load-time <ms>', 'ollama: model load time on first use', parseNumber)
    .option('--fault <json>', 'a fault spec as JSON, e.g. \'{"kind":"status","status":429,"retryAfter":1}\' (repeatable)', collectJson, [])
    .action(async (kind: Kind, options: SimCommandOptions) => {
      // Loaded on demand: the simulators' tokenizer tables are large and `serve` never needs them.
      const { startAnthropicSim, startOllamaSim, startOpenAISim } = await import('../../sim/index.js');
      const common = {
        host: options.host,
        port: options.port ?? (kind === 'ollama' ? 11434 : 0),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.latency !== undefined ? { firstTokenLatencyMs: options.latency } : {}),
        ...(options.tps !== undefined ? { tokensPerSecond: options.tps } : {}),
        faults: options.fault as never[],
      };
      let sim: SimServer;
      if (kind === 'ollama') {
        sim = await startOllamaSim({
          ...common,
          ...(options.parallel !== undefined ? { numParallel: options.parallel } : {}),
          ...(options.queue !== undefined ? { maxQueue: options.queue } : {}),
          ...(options.loadTime !== undefined ? { loadTimeMs: options.loadTime } : {}),
        });
      } else if (kind === 'openai') {
        sim = await startOpenAISim(common);
      } else {
        sim = await startAnthropicSim(common);
      }
      console.log(`Simulated ${kind} listening on ${sim.url} (control: ${sim.url}/__sim/stats, /__sim/faults)`);
      onShutdown(() => sim.close());
    });
}

function collectJson(value: string, previous: unknown[]): unknown[] {
  try {
    return [...previous, JSON.parse(value)];
  } catch {
    throw new InvalidArgumentError('expected a JSON object');
  }
}
