import type { Worker } from 'node:worker_threads';
import type { LedgerRecord } from '../ledger-record.js';
import type { DrillQuery, DrillRecord, LedgerStore, RecordQuery, StoredKey, TargetEvent, TargetEventQuery, UsageQuery, UsageRow } from '../ledger-store.js';
import { LedgerStoreError } from './ledger-store-error.js';
import type { SyncLedgerStore } from './sqlite-ledger-database.js';
import { OPEN_CALL_ID, type SqliteCallOf, type SqliteReply, type SqliteWorkerData, type SqliteWorkerError } from './sqlite-worker-protocol.js';
import { startModuleWorker } from './start-module-worker.js';

export interface SqliteLedgerStoreOptions {
  /** The database file, created (with its directory) when missing; `:memory:` for a throwaway ledger. */
  readonly path: string;
}

/**
 * The embedded ledger: one SQLite file in WAL mode, owned by a worker thread so that no disk
 * write or report query ever blocks the event loop. This object only posts calls to the worker
 * and settles their promises from its replies. Resolves once the database is open.
 */
export async function createSqliteLedgerStore(options: SqliteLedgerStoreOptions): Promise<LedgerStore> {
  const store = new SqliteLedgerStore(options.path);
  try {
    await store.opened;
  } catch (error) {
    // The worker answers every call with the open error; only the thread needs ending.
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

type Method = keyof SyncLedgerStore;

interface PendingCall {
  readonly method: Method | 'open';
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: LedgerStoreError) => void;
}

class SqliteLedgerStore implements LedgerStore {
  readonly kind = 'sqlite';
  readonly opened: Promise<void>;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = OPEN_CALL_ID + 1;
  private closed = false;

  constructor(private readonly path: string) {
    this.opened = new Promise((resolve, reject) => {
      this.pending.set(OPEN_CALL_ID, { method: 'open', resolve: () => resolve(), reject });
    });
    this.worker = this.startWorker();
  }

  migrate(): Promise<void> {
    return this.call('migrate');
  }

  append(records: readonly LedgerRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.call('append', records);
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return this.call('usage', query);
  }

  records(query: RecordQuery): Promise<LedgerRecord[]> {
    return this.call('records', query);
  }

  prunePayloads(before: number): Promise<number> {
    return this.call('prunePayloads', before);
  }

  insertKey(key: StoredKey): Promise<void> {
    return this.call('insertKey', key);
  }

  listKeys(): Promise<StoredKey[]> {
    return this.call('listKeys');
  }

  findKeyByHash(hash: string): Promise<StoredKey | undefined> {
    return this.call('findKeyByHash', hash);
  }

  revokeKey(id: string, at: number): Promise<boolean> {
    return this.call('revokeKey', id, at);
  }

  appendTargetEvents(events: readonly TargetEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.call('appendTargetEvents', events);
  }

  targetEvents(query: TargetEventQuery): Promise<TargetEvent[]> {
    return this.call('targetEvents', query);
  }

  appendDrill(drill: DrillRecord): Promise<void> {
    return this.call('appendDrill', drill);
  }

  drills(query: DrillQuery): Promise<DrillRecord[]> {
    return this.call('drills', query);
  }

  /** Waits for calls already posted, closes the database (checkpointing the WAL), ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    // Posted behind the calls already in flight, which therefore finish first; later calls are refused.
    const closing = worker === undefined ? Promise.resolve() : this.call('close');
    this.closed = true;
    try {
      await closing;
    } finally {
      await worker?.terminate();
      this.worker = undefined;
    }
  }

  private call<M extends Method>(method: M, ...args: Parameters<SyncLedgerStore[M]>): Promise<ReturnType<SyncLedgerStore[M]>> {
    if (this.closed) return Promise.reject(new LedgerStoreError(method, `sqlite ledger store: ${method} after close()`));
    this.worker ??= this.startWorker();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const settle = resolve as (value: unknown) => void; // the worker ran SyncLedgerStore[M]: its value is ReturnType<…>
      this.pending.set(id, { method, resolve: settle, reject });
      worker.ref();
      try {
        const message: SqliteCallOf<M> = { id, method, args };
        worker.postMessage(message); // a batch of records is one message
      } catch (error) {
        // Not cloneable (a function or a symbol inside a record's payload): nothing was sent.
        this.settle(id, (call) => call.reject(new LedgerStoreError(method, `sqlite ledger store: ${method}: ${messageOf(error)}`, { cause: error })));
      }
    });
  }

  private startWorker(): Worker {
    const workerData: SqliteWorkerData = { path: this.path };
    // The writer needs little heap (a batch at a time); without limits it would size its own from
    // the parent's --max-old-space-size and add ~100 MB to the gateway's resident memory. The young
    // generation holds a whole batch as it arrives: at 4 MB the writer spent a quarter of its time
    // in GC (18 µs of CPU per record under load, 5 of them GC); at 8 MB, 15.5 µs (GC 1.3). 16 MB
    // saves 1.5 µs more but adds 11 MB to the gateway's resident memory.
    const worker = startModuleWorker(import.meta.url, 'sqlite-worker', { workerData, resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 8 } });
    // Idle, the thread does not keep the process alive; a call in flight does (see call/settle).
    if (this.pending.size === 0) worker.unref();
    let crash: Error | undefined;
    worker.on('message', (reply: SqliteReply) => this.onReply(reply));
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined; // the next call starts a new thread
      const reason = crash === undefined ? `exited with code ${code}` : `crashed: ${crash.message}`;
      for (const id of [...this.pending.keys()]) {
        this.settle(id, (call) => call.reject(new LedgerStoreError(call.method, `sqlite ledger store: the database thread ${reason} during ${call.method}`, { cause: crash })));
      }
    });
    return worker;
  }

  private onReply(reply: SqliteReply): void {
    this.settle(reply.id, (call) => {
      if (reply.ok) call.resolve(reply.value);
      else call.reject(fromWorkerError(call.method, reply.error, this.path));
    });
  }

  private settle(id: number, action: (call: PendingCall) => void): void {
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    action(call);
  }
}

function fromWorkerError(method: Method | 'open', error: SqliteWorkerError, path: string): LedgerStoreError {
  const cause = Object.assign(new Error(error.message), { name: error.name, stack: error.stack, code: error.code });
  const what = method === 'open' ? `cannot open ${path}` : method;
  const options = error.code === undefined ? { cause } : { cause, code: error.code };
  return new LedgerStoreError(method, `sqlite ledger store: ${what}: ${error.message}`, options);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
