/**
 * The thread that owns the SQLite connection. better-sqlite3 blocks while it works; here that
 * blocks only this thread. It opens the database, answers OPEN_CALL_ID, then runs calls in arrival
 * order. A failing call becomes an error reply, never an uncaught exception.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteLedgerDatabase, type SyncLedgerStore } from './sqlite-ledger-database.js';
import { OPEN_CALL_ID, type SqliteCall, type SqliteReply, type SqliteWorkerData, type SqliteWorkerError } from './sqlite-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-worker runs as a worker thread (see sqlite-ledger-store.ts)');

const { path } = workerData as SqliteWorkerData;
let database: SyncLedgerStore | undefined;
let openError: SqliteWorkerError | undefined;
try {
  database = openSqliteLedgerDatabase(path);
  reply({ id: OPEN_CALL_ID, ok: true, value: undefined });
} catch (error) {
  openError = toWorkerError(error);
  reply({ id: OPEN_CALL_ID, ok: false, error: openError });
}

port.on('message', (call: SqliteCall) => {
  if (database === undefined) {
    reply({ id: call.id, ok: false, error: openError ?? toWorkerError(new Error('database not open')) });
    return;
  }
  try {
    reply({ id: call.id, ok: true, value: invoke(database, call) });
  } catch (error) {
    reply({ id: call.id, ok: false, error: toWorkerError(error) });
  }
  if (call.method === 'close') {
    database = undefined;
    port.close(); // nothing left to do: let the thread end
  }
});

function invoke(target: SyncLedgerStore, call: SqliteCall): unknown {
  // The call was built from the same SyncLedgerStore type on the other side; TypeScript cannot
  // follow the method/args pairing through the union, so the method is called untyped.
  const method = target[call.method] as (...args: readonly unknown[]) => unknown;
  return method.apply(target, call.args);
}

function reply(message: SqliteReply): void {
  port?.postMessage(message);
}

function toWorkerError(error: unknown): SqliteWorkerError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), code: undefined, stack: undefined };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { name: error.name, message: error.message, code, stack: error.stack };
}
