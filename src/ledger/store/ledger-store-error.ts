/**
 * A ledger store operation failed: the database refused it, the connection is gone, or the store
 * was used after `close()`. `operation` names the store method; `code` is the database's own
 * code when it gave one (`SQLITE_CONSTRAINT_PRIMARYKEY`, Postgres `23505`, …).
 */
export class LedgerStoreError extends Error {
  readonly operation: string;
  readonly code: string | undefined;

  constructor(operation: string, message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LedgerStoreError';
    this.operation = operation;
    this.code = options.code;
  }
}
