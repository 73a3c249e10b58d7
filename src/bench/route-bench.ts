/**
 * How long `Router.plan()` takes, the routing step every request pays. Plans 100k requests over
 * a realistic mix (aliases, metadata rules, `auto`, explicit targets) with the default config and
 * times batches with `process.hrtime.bigint()`: one call is too short for the clock to resolve.
 * Run alone with `node dist/bench/route-bench.js`.
 */
import { pathToFileURL } from 'node:url';
import type { AgentTier, Priority, RequestMeta } from '../core/index.js';
import { defaultConfigInput, validateConfig } from '../config/index.js';
import { createRouter } from '../routing/create-router.js';
import { routingConfigSchema } from '../routing/routing-config-schema.js';

const CALLS = 100_000;
const BATCH = 100;
const WARMUP = 20_000;

export async function benchRouting(): Promise<{ medianNs: number; p99Ns: number }> {
  const config = validateConfig(defaultConfigInput({ ANTHROPIC_API_KEY: 'bench', OPENAI_API_KEY: 'bench' }), 'bench');
  const router = createRouter({ ...config, routing: routingConfigSchema.parse({}) });
  const requests = requestMix(1024);
  let sink = 0;
  for (let index = 0; index < WARMUP; index++) sink += router.plan(requests[index & 1023]!, 'auto').targets.length;

  const perCallNs: number[] = [];
  for (let batch = 0; batch < CALLS / BATCH; batch++) {
    const start = process.hrtime.bigint();
    for (let index = 0; index < BATCH; index++) sink += router.plan(requests[(batch * BATCH + index) & 1023]!, 'auto').targets.length;
    perCallNs.push(Number(process.hrtime.bigint() - start) / BATCH);
  }
  // Reading the sink keeps the optimiser from dropping the calls as dead code.
  if (sink === 0) throw new Error('routing bench planned no targets');
  perCallNs.sort((a, b) => a - b);
  return { medianNs: percentile(perCallNs, 0.5), p99Ns: percentile(perCallNs, 0.99) };
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/** A deterministic mix, roughly a team's traffic: mostly kb and agent work, some auto, few explicit. */
function requestMix(count: number): RequestMeta[] {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const priorities: Priority[] = ['medium', 'low', 'medium', 'medium'];
  const lowerTiers: AgentTier[] = ['L2', 'L3'];
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const requests: RequestMeta[] = [];
  for (let index = 0; index < count; index++) {
    const roll = random();
    if (roll < 0.3) requests.push({ model: 'kb-analysis', task: 'kb-analysis', priority: pickOf(priorities), estimatedInputTokens: 3_000 });
    else if (roll < 0.5) requests.push({ model: 'agent', tier: pickOf(lowerTiers), hasTools: true });
    else if (roll < 0.55) requests.push({ model: 'agent', tier: 'L1' });
    else if (roll < 0.65) requests.push({ model: pickOf(['kb-analysis', 'auto', 'summary']), priority: 'high' });
    else if (roll < 0.8) requests.push({ model: 'auto', estimatedInputTokens: Math.floor(random() * 6_000), hasTools: random() < 0.2 });
    else if (roll < 0.9) requests.push({ model: 'summary', task: 'summary' });
    else if (roll < 0.95) requests.push({ model: 'anthropic/claude-haiku-5-5' });
    else requests.push({ model: 'auto', task: 'reasoning' });
  }
  return requests;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { medianNs, p99Ns } = await benchRouting();
  console.log(`routing plan(): median ${medianNs.toFixed(0)} ns, p99 ${p99Ns.toFixed(0)} ns per call`);
}
