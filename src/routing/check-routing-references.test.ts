import { describe, expect, it } from 'vitest';
import { checkRoutingReferences } from './check-routing-references.js';
import { makeRouterConfig } from './testing/make-router-config.js';

describe('checkRoutingReferences', () => {
  it('passes a consistent config, and the default policy whatever is configured', () => {
    expect(checkRoutingReferences(makeRouterConfig({
      cloudFallback: ['anthropic/claude-haiku-5-5'],
      rules: [{ name: 'kb', targets: ['kb-analysis', 'ollama/llama3.2', 'fast'] }],
      auto: { smallModel: 'summary', cloudModel: 'fast' },
    }))).toEqual([]);
    expect(checkRoutingReferences(makeRouterConfig({}))).toEqual([]);
  });

  it('reports each bad reference with its path', () => {
    const problems = checkRoutingReferences(makeRouterConfig({
      local: ['olama'],
      cloudFallback: ['ollama/llama3.2', 'nowhere'],
      rules: [
        { name: 'a', targets: ['ollama/llama3.2'] },
        { name: 'b', targets: ['summary'] },
        { name: 'c', targets: ['olama/x', 'no-such-alias'] },
      ],
      auto: { largeModel: 'big' },
    }));
    expect(problems).toEqual([
      "routing.local.0: provider 'olama' is not configured (configured: ollama, anthropic, openai)",
      "routing.cloudFallback.1: 'nowhere' is neither an alias (configured: kb-analysis, summary, reasoning, fast) nor provider/model",
      "routing.rules.2.targets.0: 'olama/x' names provider 'olama' which is not configured (configured: ollama, anthropic, openai)",
      "routing.rules.2.targets.1: 'no-such-alias' is neither an alias (configured: kb-analysis, summary, reasoning, fast) nor provider/model",
      "routing.auto.largeModel: 'big' is neither an alias (configured: kb-analysis, summary, reasoning, fast) nor provider/model",
    ]);
  });

  it('rejects local targets in the cloud fallback', () => {
    expect(checkRoutingReferences(makeRouterConfig({ cloudFallback: ['summary'] }))).toEqual([
      "routing.cloudFallback.0: 'summary' runs on local provider 'ollama'; the fallback exists for when local fails",
    ]);
  });

  it('rejects timeouts that could never fire, after merging rule over defaults', () => {
    expect(checkRoutingReferences(makeRouterConfig({
      defaults: { timeouts: { totalMs: 50_000 } },
      rules: [{ name: 'a', targets: ['fast'], timeouts: { totalMs: 200_000, firstTokenMs: 300_000 }, retry: { baseDelayMs: 5_000 } }],
    }))).toEqual([
      'routing.rules.0.timeouts: firstTokenMs (300000) exceeds totalMs (200000)',
      'routing.rules.0.retry: baseDelayMs (5000) exceeds maxDelayMs (2000)',
      'routing.defaults.timeouts: attemptMs (60000) exceeds totalMs (50000)',
    ]);
  });

  it("reserves the alias name 'auto'", () => {
    const config = makeRouterConfig({}, { models: { auto: 'ollama/llama3.2' } });
    expect(checkRoutingReferences(config)).toEqual(["models.auto: 'auto' is reserved for the routing complexity estimate; choose another alias name"]);
  });
});
