import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import type { LedgerRecord } from './ledger-record.js';
import type { LedgerStore } from './ledger-store.js';
import { NO_TOKENS } from './build-ledger-record.js';

/** A store that keeps appended batches in memory and fails while `failing` is set. */
function batchStore() {
  const batches: LedgerRecord[][] = [];
  const ids = new Set<string>();
  const state = { failing: false, calls: 0 };
  const store = {
    kind: 'sqlite' as const,
    append: async (records: readonly LedgerRecord[]) => {
      state.calls += 1;
      await Promise.resolve();
      if (state.failing) throw new Error('database is down');
      const fresh = records.filter((record) => !ids.has(record.id));
      for (const record of fresh) ids.add(record.id);
      batches.push([...fresh]);
    },
  } as Partial<LedgerStore> as LedgerStore;
  return { store, batches, state, stored: () => batches.flat() };
}

function record(id: number): LedgerRecord {
  return {
    id: `req-${id}`, ts: 1_700_000_000_000 + id, keyId: null, team: null, dialect: 'openai', endpoint: 'chat', stream: false,
    requestedModel: 'agent', task: null, priority: null, tier: null, rule: 'alias:agent', routeReason: null, fallbackReason: null,
    attempts: [], provider: 'ollama', model: 'llama3.2', local: true, cache: null, tokens: NO_TOKENS, costUsd: 0,
    referenceModel: null, referenceCostUsd: null, savingsUsd: null, ttftMs: null, latencyMs: 5, generationMs: null,
    outcome: 'ok', httpStatus: 200, errorCode: null, warnings: [],
  };
}

const logger = pino({ level: 'silent' });

describe('Ledger (group commit)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-ledger-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a full batch at once and the rest when flushed, in order', async () => {
    const { store, batches, stored } = batchStore();
    const ledger = new Ledger({ store, logger, batchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 25; i++) ledger.record(record(i));
    expect(ledger.pending).toBe(25);
    await ledger.flush();
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(stored().map((entry) => entry.id)).toEqual(Array.from({ length: 25 }, (_, i) => `req-${i}`));
    expect(ledger.pending).toBe(0);
    await ledger.close();
  });

  it('writes a partial batch after the flush interval without being asked', async () => {
    const { store, stored } = batchStore();
    const ledger = new Ledger({ store, logger, batchSize: 100, flushIntervalMs: 5 });
    ledger.record(record(1));
    await expect.poll(() => stored().length).toBe(1);
    await ledger.close();
  });

  it('tells observers about every record before it is written', async () => {
    const { store } = batchStore();
    const ledger = new Ledger({ store, logger, flushIntervalMs: 60_000 });
    const seen: string[] = [];
    ledger.observe((entry) => seen.push(entry.id));
    ledger.record(record(1));
    ledger.record(record(2));
    expect(seen).toEqual(['req-1', 'req-2']);
    expect([...ledger.pendingRecords()].map((entry) => entry.id)).toEqual(['req-1', 'req-2']);
    await ledger.close();
  });

  it('keeps records while the store fails and writes them when it is back', async () => {
    const { store, state, stored } = batchStore();
    const ledger = new Ledger({ store, logger, batchSize: 5, flushIntervalMs: 1 });
    state.failing = true;
    for (let i = 0; i < 12; i++) ledger.record(record(i));
    await expect.poll(() => state.calls).toBeGreaterThan(1);
    expect(ledger.stats.failing).toBe(true);
    expect(ledger.pending).toBe(12);
    state.failing = false;
    await expect.poll(() => stored().length, { timeout: 5_000 }).toBe(12);
    expect(ledger.stats.failing).toBe(false);
    await ledger.close();
  });

  it('spills what does not fit in memory and replays it on the next start', async () => {
    const spillFile = join(dir, 'spill.jsonl');
    const first = batchStore();
    first.state.failing = true;
    const ledger = new Ledger({ store: first.store, logger, batchSize: 5, flushIntervalMs: 1, maxPending: 6, spillFile });
    for (let i = 0; i < 20; i++) ledger.record(record(i));
    await expect.poll(() => ledger.stats.spilled, { timeout: 5_000 }).toBeGreaterThanOrEqual(14);
    // Shutting down with the store still down: everything left goes to the spill file too.
    await ledger.close();
    const lines = (await readFile(spillFile, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(20);

    const second = batchStore();
    const next = new Ledger({ store: second.store, logger, batchSize: 5, spillFile });
    expect(await next.replaySpill()).toBe(20);
    expect(second.stored().map((entry) => entry.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `req-${i}`).sort());
    expect(await next.replaySpill()).toBe(0);
    await next.close();
  });

  it('a flush while the store is failing reports it instead of spinning', async () => {
    const { store, state } = batchStore();
    const ledger = new Ledger({ store, logger, batchSize: 5, flushIntervalMs: 60_000 });
    state.failing = true;
    ledger.record(record(1));
    await expect(ledger.flush()).rejects.toThrow(/failing/);
    state.failing = false;
    await ledger.close();
    expect(ledger.pending).toBe(0);
  });
});
