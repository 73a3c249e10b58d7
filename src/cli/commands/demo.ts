import type { Command } from 'commander';
import { validateConfig, type ConfigInput } from '../../config/index.js';
import { startGateway } from '../../server/start-gateway.js';
import { onShutdown, parsePort } from '../shared.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start simulated Ollama, OpenAI and Anthropic servers and the gateway wired to them: everything works with no GPU and no keys')
    .option('-p, --port <port>', 'gateway port', parsePort, 4000)
    .action(async (options: { port: number }) => {
      const { startAnthropicSim, startOllamaSim, startOpenAISim } = await import('../../sim/index.js');
      const [ollama, openai, anthropic] = await Promise.all([
        startOllamaSim({ firstTokenLatencyMs: 120, tokensPerSecond: 45, loadTimeMs: 800, numParallel: 2, maxQueue: 8 }),
        startOpenAISim({ firstTokenLatencyMs: 300, tokensPerSecond: 90 }),
        startAnthropicSim({ firstTokenLatencyMs: 350, tokensPerSecond: 80 }),
      ]);
      // The demo keeps its ledger in memory: nothing it records is real spend.
      const config = validateConfig({ ...demoConfig(ollama.url, openai.url, anthropic.url), logging: { level: 'warn' }, ledger: { url: ':memory:' } }, 'demo');
      const gateway = await startGateway({ config, port: options.port });
      const base = gateway.url;
      console.log(`
Tollgate demo — gateway on ${base}

  THE UPSTREAMS ARE SIMULATED. Answers are generated text, not a model's; latency and
  token counts behave like the real services so routing, streaming and errors can be seen.

  simulated Ollama     ${ollama.url}   (qwen2.5:7b, llama3.2, phi3, llama3.1:70b)
  simulated OpenAI     ${openai.url}
  simulated Anthropic  ${anthropic.url}

Try:
  curl -s ${base}/v1/models | head -c 600; echo
  curl -s ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"kb-analysis","messages":[{"role":"user","content":"Summarise this transcript"}]}'
  curl -sN ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"summary","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
  curl -s ${base}/v1/messages -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \\
    -d '{"model":"agent","max_tokens":200,"messages":[{"role":"user","content":"Plan the next step"}]}'
  curl -s ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"anthropic/claude-haiku-5-5","messages":[{"role":"user","content":"Hi from the OpenAI dialect"}]}'

Then see what it cost and saved (the ledger is in memory for the demo):
  curl -s '${base}/api/usage?since=1h&by=target'
  curl -s '${base}/api/savings?since=1d'

  Or point an SDK at it:  OpenAI({ baseURL: '${base}/v1', apiKey: 'any' })
                          Anthropic({ baseURL: '${base}', apiKey: 'any' })

Ctrl-C stops everything.`);
      onShutdown(async () => {
        await gateway.close();
        await Promise.all([ollama.close(), openai.close(), anthropic.close()]);
      });
    });
}

/** The gateway config the demo runs: the default aliases, pointed at the simulators. */
export function demoConfig(ollamaUrl: string, openaiUrl: string, anthropicUrl: string): ConfigInput {
  return {
    providers: {
      ollama: { type: 'ollama', baseUrl: ollamaUrl },
      openai: { type: 'openai', baseUrl: `${openaiUrl}/v1`, apiKey: 'sim-key' },
      anthropic: { type: 'anthropic', baseUrl: anthropicUrl, apiKey: 'sim-key' },
    },
    models: {
      'kb-analysis': { target: 'ollama/qwen2.5:7b', numCtx: 8192, description: 'knowledge-base analysis' },
      agent: { target: 'ollama/llama3.2', description: 'sub-agents' },
      summary: { target: 'ollama/phi3', description: 'quick summaries' },
      reasoning: { target: 'ollama/llama3.1:70b', description: 'hard reasoning' },
      'cloud-fast': { target: 'anthropic/claude-haiku-5-5' },
      'cloud-smart': { target: 'openai/gpt-4o' },
      embed: { target: 'ollama/nomic-embed-text', description: 'embeddings' },
    },
  };
}
