/* global process, console, URL */
// A/B of gateway builds by their own CPU cost: each gateway pinned to core 1, wrk (C, light) and
// the simulators to core 0, interleaved rounds, medians. Needs Debian's wrk and taskset.
//
//   node tools/ab-pinned.mjs DIR:ROLE[:ENV=value…] …     e.g.  /tmp/old:gateway .:gateway .:gateway-no-ledger
//
// DIR is a checkout with a built dist/ (git worktree add /tmp/old <rev>; ln -s $PWD/node_modules /tmp/old;
// npx tsc -p tsconfig.build.json there). ROLE is a role of dist/bench/bench-process.js.
// STREAM=1 streams; ROUNDS and SECS set the rounds and their length. Each round reports req/s and
// the gateway's CPU time per request; the last lines give each build's median ratio to the first.
// TOGETHER=1 loads all gateways at once on their shared core (the steadiest CPU ratio on a noisy
// host); TTFB=1 measures time to the first streamed byte of sequential requests instead.
import { fork, execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
// A role that dies before it is ready ends the run with its reason, not a silent wait.
process.on('unhandledRejection', (error) => { console.error(String(error)); process.exit(1); });
const pin = (pid, core) => execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
pin(process.pid, 0);
const spawnRole = (dir, role, args = [], env = {}) => new Promise((resolve, reject) => {
  const child = fork(`${dir}/dist/bench/bench-process.js`, [role, ...args], { cwd: dir, env: { ...process.env, ...env }, execArgv: role.startsWith('gateway') ? ['--max-old-space-size=1024'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.once('message', (m) => { pin(child.pid, role.startsWith('gateway') ? 1 : 0); resolve({ child, url: m.url }); });
  child.once('exit', (c) => reject(new Error(`${dir} ${role} exited with ${c} before it was ready`)));
});
const sim = await spawnRole('.', 'sim-openai');
const ollama = await spawnRole('.', 'sim-ollama');
const entries = process.argv.slice(2);
const gws = {};
for (const e of entries) { const [dir, role, ...kv] = e.split(':'); gws[e] = await spawnRole(dir, role, [sim.url, ollama.url], Object.fromEntries(kv.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]))); }
const stream = process.env.STREAM === '1';
const chatBody = (streamed) => JSON.stringify({ model: 'bench', stream: streamed, ...(streamed ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'Summarise the main argument.' }], max_tokens: 64 });
const body = chatBody(stream);
writeFileSync('/tmp/wrk.lua', `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["content-type"] = "application/json"\n`);
// The gateway process's CPU time (all its threads: the ledger's writer too), in clock ticks of 10 ms.
const cpuTicks = (pid) => { const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(fields[11]) + Number(fields[12]); };
// TOGETHER=1 loads every gateway at once, all pinned to the same core: they meet the same moments
// of the machine, so the ratio of their CPU per request holds still where req/s measured one
// after the other moves by ±25% on a shared host.
const together = process.env.TOGETHER === '1';
const wrk = (url, connections, seconds) => new Promise((resolve, reject) => execFile('taskset', ['-c', '0', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '-s', '/tmp/wrk.lua', url + '/v1/chat/completions'], { encoding: 'utf8' }, (error, out) => (error ? reject(error) : resolve(out))));
const run = async (names, seconds) => {
  const before = names.map((e) => cpuTicks(gws[e].child.pid));
  const outs = await Promise.all(names.map((e) => wrk(gws[e].url, Math.max(1, Math.round(32 / names.length)), seconds)));
  return outs.map((out, i) => {
    const requests = Number(/(\d+) requests in/.exec(out)[1]);
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), value: ((cpuTicks(gws[names[i]].child.pid) - before[i]) * 10_000) / requests };
  });
};
// TTFB=1: time to the first streamed byte of sequential requests (p50 of 200 a round), not req/s.
const ttfb = process.env.TTFB === '1';
const { firstByteLatency } = ttfb ? await import(new URL('../dist/bench/load.js', import.meta.url).href) : {};
const firstByte = async (e) => {
  const summary = await firstByteLatency({ url: gws[e].url, path: '/v1/chat/completions', body: chatBody(true), count: 200 });
  return { value: summary.p50 * 1000 };
};
const round = async (seconds) => {
  if (together && !ttfb) return run(entries, seconds);
  const results = [];
  for (const e of entries) results.push(...(ttfb ? [await firstByte(e)] : await run([e], seconds)));
  return results;
};
await round(3);
const out = Object.fromEntries(entries.map((e) => [e, []]));
for (let i = 0; i < Number(process.env.ROUNDS ?? 3); i++) (await round(Number(process.env.SECS ?? 5))).forEach((r, j) => out[entries[j]].push(r));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
// Each round's figure: µs of the gateway's CPU per request, or (TTFB=1) µs to the first byte.
const figure = ttfb ? 'first-byte p50 (µs)' : 'CPU per request (µs)';
for (const [e, v] of Object.entries(out)) {
  const values = v.map((r) => Math.round(r.value));
  const rps = ttfb ? '' : `${v.map((r) => Math.round(r.rps)).join(' ')} median ${median(v.map((r) => Math.round(r.rps)))} req/s | `;
  console.log(e.padEnd(30), rps + values.join(' '), 'median', median(values), figure);
}
// Rounds are interleaved, so the ratio within one round cancels the machine's slow drift.
const [first, ...rest] = entries;
for (const e of rest) {
  const ratios = out[e].map((r, i) => r.value / out[first][i].value);
  console.log(`${e} / ${first}: ${figure}, median of paired ratios ${median(ratios).toFixed(3)} (${ratios.map((r) => r.toFixed(2)).join(' ')})`);
}
for (const p of [sim, ollama, ...Object.values(gws)]) p.child.kill();
