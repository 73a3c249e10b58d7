/* global process, console */
// A/B of gateway builds by their own CPU cost: each gateway pinned to core 1, wrk (C, light) and
// the simulators to core 0, interleaved rounds, medians. Needs Debian's wrk and taskset.
//
//   node tools/ab-pinned.mjs DIR:ROLE[:ENV=value…] …     e.g.  /tmp/old:gateway .:gateway .:gateway-no-ledger
//
// DIR is a checkout with a built dist/ (git worktree add /tmp/old <rev>; ln -s $PWD/node_modules /tmp/old;
// npx tsc -p tsconfig.build.json there). ROLE is a role of dist/bench/bench-process.js.
// STREAM=1 streams; ROUNDS and SECS set the rounds and their length.
import { fork, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
const body = JSON.stringify({ model: 'bench', stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'Summarise the main argument.' }], max_tokens: 64 });
writeFileSync('/tmp/wrk.lua', `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["content-type"] = "application/json"\n`);
const run = (url, seconds) => { const out = execFileSync('taskset', ['-c', '0', 'wrk', '-t1', '-c32', `-d${seconds}s`, '-s', '/tmp/wrk.lua', url + '/v1/chat/completions'], { encoding: 'utf8' }); return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]); };
for (const e of entries) run(gws[e].url, 3);
const out = Object.fromEntries(entries.map((e) => [e, []]));
for (let i = 0; i < Number(process.env.ROUNDS ?? 3); i++) for (const e of entries) out[e].push(Math.round(run(gws[e].url, Number(process.env.SECS ?? 5))));
for (const [e, v] of Object.entries(out)) console.log(e.padEnd(30), v.join(' '), 'median', [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]);
for (const p of [sim, ollama, ...Object.values(gws)]) p.child.kill();
