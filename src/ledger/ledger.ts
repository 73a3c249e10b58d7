import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { LedgerRecord } from './ledger-record.js';
import type { LedgerStore } from './ledger-store.js';

export interface LedgerOptions {
  readonly store: LedgerStore;
  readonly logger: Logger;
  /** Records per write. */
  readonly batchSize?: number;
  /** Longest a record waits in memory before its batch is written. */
  readonly flushIntervalMs?: number;
  /** Records held in memory while the store fails; older ones go to the spill file. */
  readonly maxPending?: number;
  /** JSON-lines file for records the store could not take; replayed by `replaySpill()`. Absent: no spilling. */
  readonly spillFile?: string;
}

/** Called with every record as it is produced, before it is written (budgets, metrics). */
export type RecordObserver = (record: LedgerRecord) => void;

/**
 * The hot path's only contact with the ledger: `record()` pushes onto an array and returns.
 * Writes happen in batches (group commit), one at a time, off the request path: a batch is cut
 * when it is full or when the oldest record has waited `flushIntervalMs`. A failed write keeps its
 * records and retries with backoff; what does not fit in memory goes to a spill file, so a
 * database outage costs disk space, not records. `close()` drains everything.
 */
export class Ledger {
  readonly store: LedgerStore;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxPending: number;
  private readonly spillFile: string | undefined;
  private readonly observers: RecordObserver[] = [];
  private queue: LedgerRecord[] = [];
  /** The batch being written now, if any (still counted as pending). */
  private inFlight: readonly LedgerRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private written = 0;
  private spilled = 0;

  constructor(options: LedgerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxPending = options.maxPending ?? 200_000;
    this.spillFile = options.spillFile;
  }

  /** Adds an observer called synchronously with each record (keep it O(1)). */
  observe(observer: RecordObserver): void {
    this.observers.push(observer);
  }

  /** Accepts one record. Never throws, never waits. */
  record(record: LedgerRecord): void {
    for (const observer of this.observers) {
      try {
        observer(record);
      } catch (error) {
        this.logger.error({ err: error }, 'ledger observer failed');
      }
    }
    this.queue.push(record);
    if (this.closed) {
      void this.flush();
      return;
    }
    if (this.queue.length >= this.batchSize) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.flushIntervalMs);
  }

  /** Records accepted but not yet written (the ledger queue depth). */
  get pending(): number {
    return this.queue.length + this.inFlight.length;
  }

  /** The records not yet written, for totals that must include them (budgets). */
  *pendingRecords(): Iterable<LedgerRecord> {
    yield* this.inFlight;
    yield* this.queue;
  }

  get stats(): { pending: number; written: number; spilled: number; failing: boolean } {
    return { pending: this.pending, written: this.written, spilled: this.spilled, failing: this.failures > 0 };
  }

  /** Writes everything accepted so far. Resolves when it is stored (or spilled). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) {
      const failuresBefore = this.failures;
      this.kick();
      await this.writing;
      // While running, a failing store is retried by the timer with backoff, not spun on here.
      if (!this.closed && this.failures > failuresBefore) throw new Error('The ledger store is failing; records are kept and retried.');
    }
  }

  /** Stops the timer and drains. The store is closed by whoever opened it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes records left in the spill file by an earlier run, then removes it. Returns how many. */
  async replaySpill(): Promise<number> {
    if (!this.spillFile) return 0;
    const claimed = `${this.spillFile}.replaying`;
    try {
      await rename(this.spillFile, claimed);
    } catch {
      return 0; // nothing spilled
    }
    const lines = (await readFile(claimed, 'utf8')).split('\n').filter((line) => line.length > 0);
    const records = lines.map((line) => JSON.parse(line) as LedgerRecord);
    for (let start = 0; start < records.length; start += this.batchSize) {
      await this.store.append(records.slice(start, start + this.batchSize)); // append ignores ids already stored
    }
    await rm(claimed, { force: true });
    if (records.length > 0) this.logger.warn({ records: records.length }, 'ledger: replayed records spilled by an earlier run');
    return records.length;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.writeNext().finally(() => {
      this.writing = undefined;
      // More arrived while writing: a full batch goes at once, a partial one waits for the timer;
      // after a failure everything waits for the backoff (flush() and close() drive their own loop).
      if (this.queue.length === 0) return;
      if (this.failures === 0 && this.queue.length >= this.batchSize) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.backoffMs());
    });
  }

  private async writeNext(): Promise<void> {
    const batch = this.queue.length <= this.batchSize ? this.queue : this.queue.slice(0, this.batchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
    this.inFlight = batch;
    try {
      await this.store.append(batch);
      this.written += batch.length;
      if (this.failures > 0) this.logger.info({ afterFailures: this.failures }, 'ledger: writing again');
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.logger.error({ err: error, records: batch.length, failures: this.failures }, 'ledger: write failed; records kept and retried');
      this.queue = batch.concat(this.queue);
      if (this.closed || this.queue.length > this.maxPending) await this.spill(this.closed ? this.queue.length : this.queue.length - this.maxPending);
    } finally {
      this.inFlight = [];
    }
  }

  /** Moves the oldest `count` unwritten records to the spill file. */
  private async spill(count: number): Promise<void> {
    if (count <= 0) return;
    if (!this.spillFile) {
      this.logger.fatal({ records: count }, 'ledger: store unavailable and no spill file; records lost');
      this.queue = this.queue.slice(count);
      return;
    }
    const records = this.queue.slice(0, count);
    try {
      await mkdir(dirname(this.spillFile), { recursive: true });
      await appendFile(this.spillFile, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
      this.queue = this.queue.slice(count);
      this.spilled += count;
      this.logger.error({ records: count, file: this.spillFile }, 'ledger: store unavailable; records spilled to disk for the next start');
    } catch (error) {
      this.logger.fatal({ err: error, records: count }, 'ledger: cannot spill records to disk');
      if (this.closed) this.queue = this.queue.slice(count); // shutting down: nowhere left to put them
    }
  }

  private backoffMs(): number {
    return this.failures === 0 ? this.flushIntervalMs : Math.min(30_000, this.flushIntervalMs * 2 ** Math.min(this.failures, 10));
  }
}
