/**
 * `npm run bench`: what the gateway's own work costs. Three targets answer the same OpenAI chat
 * request from the same simulated upstream, each in its own process:
 *   direct   — the client calls the simulator itself (the baseline),
 *   bare     — a bare node:http + undici proxy that parses and forwards the JSON (the floor for any Node gateway),
 *   tollgate — the gateway (and, for the translation path, the gateway in front of the Ollama simulator).
 * Runs are interleaved round by round and medians reported, so drift on a shared machine hits all alike.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { GATEWAY_NODE_FLAGS } from '../server/node-flags.js';
import { benchRouting } from './route-bench.js';
import { closedLoop, firstByteLatency, median, pacedLoad, type LatencySummary } from './load.js';
import { benchLedger, INGEST_TARGET_PER_SECOND, ledgerBenchTable, QUERY_TARGET_MS } from './ledger-bench.js';

interface Role {
  readonly child: ChildProcess;
  readonly url: string;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TTFB_COUNT = Number(process.env.BENCH_TTFB_COUNT ?? 300);

async function spawnRole(role: string, args: string[] = []): Promise<Role> {
  const script = fileURLToPath(new URL('./bench-process.js', import.meta.url));
  const execArgv = role === 'gateway' ? [...GATEWAY_NODE_FLAGS] : [];
  const child = fork(script, [role, ...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return { child, url };
}

async function peakRssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const chatBody = (model: string, stream: boolean) =>
  JSON.stringify({
    model,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [
      { role: 'system', content: 'You are a concise assistant for a video knowledge base.' },
      { role: 'user', content: 'Summarise the main argument of the transcript in two sentences.' },
    ],
    max_tokens: 64,
  });

type Target = 'direct' | 'bare' | 'tollgate' | 'tollgate→ollama' | 'tollgate, no ledger';

interface Figures {
  rps: number[];
  p50at200: number[];
  p99at200: number[];
  p50at500: number[];
  p99at500: number[];
  ttfb: number[];
  errors: number;
}

async function main(): Promise<void> {
  // The routing decision alone, in this process before any load starts.
  const routing = await benchRouting();
  console.log(`routing decision: median ${(routing.medianNs / 1000).toFixed(2)} µs, p99 ${(routing.p99Ns / 1000).toFixed(2)} µs per request`);
  const openaiSim = await spawnRole('sim-openai');
  const ollamaSim = await spawnRole('sim-ollama');
  const bare = await spawnRole('bare-proxy', [openaiSim.url]);
  const gateway = await spawnRole('gateway', [openaiSim.url, ollamaSim.url]);
  const unledgered = await spawnRole('gateway-no-ledger', [openaiSim.url, ollamaSim.url]);

  const targets: Record<Target, { url: string; model: string }> = {
    direct: { url: openaiSim.url, model: 'gpt-4o-mini' },
    bare: { url: bare.url, model: 'gpt-4o-mini' },
    tollgate: { url: gateway.url, model: 'bench' },
    'tollgate→ollama': { url: gateway.url, model: 'bench-local' },
    'tollgate, no ledger': { url: unledgered.url, model: 'bench' },
  };
  const names = Object.keys(targets) as Target[];
  const empty = (): Figures => ({ rps: [], p50at200: [], p99at200: [], p50at500: [], p99at500: [], ttfb: [], errors: 0 });
  const figures: Record<Target, Figures> = { direct: empty(), bare: empty(), tollgate: empty(), 'tollgate→ollama': empty(), 'tollgate, no ledger': empty() };

  const steps = ROUNDS * names.length * 4;
  const bar = new SingleBar({ format: 'bench [{bar}] {percentage}% | {value}/{total} | {phase}', hideCursor: true }, Presets.shades_classic);
  bar.start(steps, 0, { phase: 'warming up' });
  // Warm up JIT and connection pools on every path.
  for (const name of names) {
    await closedLoop({ url: `${targets[name].url}/v1/chat/completions`, body: chatBody(targets[name].model, false), connections: 8, seconds: 1 });
  }

  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const name of names) {
      const { url, model } = targets[name];
      const path = '/v1/chat/completions';
      const record = figures[name];
      bar.update({ phase: `round ${round}: ${name} closed loop, 32 connections` });
      const closed = await closedLoop({ url: url + path, body: chatBody(model, false), connections: 32, seconds: SECONDS });
      record.rps.push(closed.rps);
      record.errors += closed.errors;
      bar.increment();
      for (const rate of [200, 500] as const) {
        bar.update({ phase: `round ${round}: ${name} paced ${rate} req/s` });
        const paced: LatencySummary = await pacedLoad({ url, path, body: chatBody(model, false), rate, seconds: SECONDS });
        record[rate === 200 ? 'p50at200' : 'p50at500'].push(paced.p50);
        record[rate === 200 ? 'p99at200' : 'p99at500'].push(paced.p99);
        record.errors += paced.errors;
        bar.increment();
      }
      bar.update({ phase: `round ${round}: ${name} time to first streamed byte` });
      const ttfb = await firstByteLatency({ url, path, body: chatBody(model, true), count: TTFB_COUNT });
      record.ttfb.push(ttfb.p50);
      record.errors += ttfb.errors;
      bar.increment();
    }
  }
  bar.stop();

  const rss = await peakRssMb(gateway.child.pid);
  const m = (name: Target, key: keyof Omit<Figures, 'errors'>) => median(figures[name][key]);
  const added = (name: Target, key: keyof Omit<Figures, 'errors'>) => m(name, key) - m('direct', key);
  const ms = (value: number) => `${value.toFixed(2)} ms`;

  const table = new Table({ head: ['', 'direct', 'bare proxy', 'tollgate', 'tollgate→ollama', 'tollgate, no ledger'] });
  table.push(
    ['throughput, 32 conns (req/s)', ...names.map((name) => m(name, 'rps').toFixed(0))],
    ['p50 @200 req/s', ...names.map((name) => ms(m(name, 'p50at200')))],
    ['p99 @200 req/s', ...names.map((name) => ms(m(name, 'p99at200')))],
    ['p50 @500 req/s', ...names.map((name) => ms(m(name, 'p50at500')))],
    ['p99 @500 req/s', ...names.map((name) => ms(m(name, 'p99at500')))],
    ['first streamed byte p50', ...names.map((name) => ms(m(name, 'ttfb')))],
    ['errors', ...names.map((name) => String(figures[name].errors))],
  );
  console.log(table.toString());

  const checks = [
    {
      target: 'ledger costs ≤ 10% of throughput',
      value: `${((100 * (m('tollgate, no ledger', 'rps') - m('tollgate', 'rps'))) / m('tollgate, no ledger', 'rps')).toFixed(1)}%`,
      pass: m('tollgate', 'rps') >= 0.9 * m('tollgate, no ledger', 'rps'),
    },
    { target: 'throughput ≥ 50% of the bare proxy', value: `${((100 * m('tollgate', 'rps')) / m('bare', 'rps')).toFixed(0)}%`, pass: m('tollgate', 'rps') >= 0.5 * m('bare', 'rps') },
    { target: 'added p99 at 500 req/s ≤ 1.5 ms', value: ms(added('tollgate', 'p99at500')), pass: added('tollgate', 'p99at500') <= 1.5 },
    { target: 'added p99 at 200 req/s (info)', value: ms(added('tollgate', 'p99at200')), pass: true },
    { target: 'added first-byte p50 ≤ 1 ms', value: ms(added('tollgate', 'ttfb')), pass: added('tollgate', 'ttfb') <= 1 },
    { target: 'routing decision median < 20 µs', value: `${(routing.medianNs / 1000).toFixed(2)} µs (p99 ${(routing.p99Ns / 1000).toFixed(2)} µs)`, pass: routing.medianNs < 20_000 },
    // 150 MB before the ledger; its SQLite writer thread has its own V8 isolate and page cache (~20 MB).
    { target: 'gateway peak RSS ≤ 180 MB', value: `${rss.toFixed(0)} MB`, pass: rss <= 180 },
    { target: 'no errors', value: String(names.reduce((sum, name) => sum + figures[name].errors, 0)), pass: names.every((name) => figures[name].errors === 0) },
  ];
  const verdicts = new Table({ head: ['target', 'measured', ''] });
  for (const check of checks) verdicts.push([check.target, check.value, check.pass ? 'pass' : 'FAIL']);
  console.log(verdicts.toString());

  const markdown = [
    `| | direct | bare proxy | tollgate | tollgate→ollama | tollgate, no ledger |`,
    `|---|---|---|---|---|---|`,
    `| throughput, 32 connections | ${names.map((name) => `${m(name, 'rps').toFixed(0)} req/s`).join(' | ')} |`,
    `| p50 / p99 @ 200 req/s | ${names.map((name) => `${ms(m(name, 'p50at200'))} / ${ms(m(name, 'p99at200'))}`).join(' | ')} |`,
    `| p50 / p99 @ 500 req/s | ${names.map((name) => `${ms(m(name, 'p50at500'))} / ${ms(m(name, 'p99at500'))}`).join(' | ')} |`,
    `| first streamed byte, p50 | ${names.map((name) => ms(m(name, 'ttfb'))).join(' | ')} |`,
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...checks.map((check) => `| ${check.target} | ${check.value} | ${check.pass ? 'pass' : 'FAIL'} |`),
  ].join('\n');
  await mkdir('bench-results', { recursive: true });
  await writeFile('bench-results/latest.md', `${markdown}\n`);
  await writeFile('bench-results/latest.json', JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, figures, rssMb: rss, checks }, null, 2));
  console.log('\nMarkdown (for the README) in bench-results/latest.md');

  for (const role of [gateway, unledgered, bare, ollamaSim, openaiSim]) role.child.kill();

  // The ledger on its own, after the HTTP load so neither disturbs the other.
  const ledgerBar = new SingleBar({ format: 'ledger [{bar}] {percentage}% | {phase}', hideCursor: true }, Presets.shades_classic);
  ledgerBar.start(1, 0, { phase: 'starting' });
  let phase = '';
  const ledger = await benchLedger({
    ...(process.env.BENCH_LEDGER_RECORDS ? { records: Number(process.env.BENCH_LEDGER_RECORDS) } : {}),
    onProgress: (next, done, total) => {
      if (next !== phase) {
        phase = next;
        ledgerBar.setTotal(total);
      }
      ledgerBar.update(done, { phase: next });
    },
  });
  ledgerBar.stop();
  console.log(ledgerBenchTable(ledger));
  const ledgerMarkdown = [
    '',
    `| ledger (SQLite) | measured | target |`,
    `|---|---|---|`,
    `| ingest, ${ledger.ingest.records.toLocaleString('en')} records through the group-commit Ledger | ${ledger.ingest.recordsPerSecond.toFixed(0)} records/s | ≥ ${INGEST_TARGET_PER_SECOND.toLocaleString('en')}/s |`,
    ...ledger.reports.queries.map((query) => `| report over ${ledger.reports.records.toLocaleString('en')} records: ${query.label} | ${query.medianMs.toFixed(1)} ms | < ${QUERY_TARGET_MS} ms |`),
  ].join('\n');
  await writeFile('bench-results/latest.md', `${markdown}\n${ledgerMarkdown}\n`);
  await writeFile('bench-results/latest.json', JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, figures, rssMb: rss, checks, ledger }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
