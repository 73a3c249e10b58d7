import autocannon from 'autocannon';
import { Pool } from 'undici';

export interface LatencySummary {
  readonly count: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/** Closed loop: `connections` clients each sending the next request as soon as the last answered. */
export async function closedLoop(options: { url: string; body: string; connections: number; seconds: number }): Promise<{ rps: number; errors: number }> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    body: options.body,
    headers: { 'content-type': 'application/json' },
    connections: options.connections,
    duration: options.seconds,
  });
  return { rps: result.requests.average, errors: result.errors + result.non2xx };
}

/**
 * Open loop at a fixed rate, evenly paced: request i is due at start + i/rate, whatever happened
 * to the earlier ones. Latency counts from the moment a request was due (not sent), so a stall
 * shows up in the figures instead of silently lowering the rate (coordinated omission).
 */
export async function pacedLoad(options: { url: string; path: string; body: string; rate: number; seconds: number; stream?: boolean }): Promise<LatencySummary> {
  const origin = new URL(options.url).origin;
  const pool = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.round(options.rate * options.seconds);
  const latencies = new Float64Array(total);
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait - 0.5);
    while (performance.now() < due) {
      // spin the last fraction of a millisecond: timers are only ms-precise
    }
    pending.push(
      fire(pool, options.path, options.body, options.stream === true).then(
        () => {
          latencies[i] = performance.now() - due;
        },
        () => {
          errors += 1;
          latencies[i] = Number.NaN;
        },
      ),
    );
  }
  await Promise.all(pending);
  await pool.close();
  return summarise(latencies, errors);
}

/** Time to the first byte of a streamed body, sequential requests (no queueing in the figure). */
export async function firstByteLatency(options: { url: string; path: string; body: string; count: number }): Promise<LatencySummary> {
  const pool = new Pool(new URL(options.url).origin, { connections: 4 });
  const latencies = new Float64Array(options.count);
  let errors = 0;
  for (let i = 0; i < options.count; i += 1) {
    const started = performance.now();
    try {
      const response = await pool.request({ method: 'POST', path: options.path, body: options.body, headers: { 'content-type': 'application/json' } });
      let first = true;
      for await (const _chunk of response.body) {
        if (first) {
          latencies[i] = performance.now() - started;
          first = false;
        }
      }
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
    } catch {
      errors += 1;
      latencies[i] = Number.NaN;
    }
  }
  await pool.close();
  return summarise(latencies, errors);
}

async function fire(pool: Pool, path: string, body: string, stream: boolean): Promise<void> {
  const response = await pool.request({ method: 'POST', path, body, headers: { 'content-type': 'application/json' } });
  if (stream) {
    for await (const _chunk of response.body) {
      // drain
    }
  } else {
    await response.body.arrayBuffer();
  }
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
}

function summarise(latencies: Float64Array, errors: number): LatencySummary {
  const ok = Array.from(latencies).filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return { count: ok.length, errors, p50: percentile(ok, 0.5), p99: percentile(ok, 0.99) };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
