import { performance } from 'node:perf_hooks';
import type { ProviderHealth } from '../../core/index.js';

/** Runs a cheap probe and reports latency; never throws (a health check that throws is one more outage). */
export async function checkHealth(probe: () => Promise<string | undefined>): Promise<ProviderHealth> {
  const started = performance.now();
  try {
    const version = await probe();
    return { ok: true, latencyMs: performance.now() - started, ...(version !== undefined ? { version } : {}) };
  } catch (error) {
    return { ok: false, latencyMs: performance.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}
