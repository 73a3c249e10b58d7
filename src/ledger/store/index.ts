export { LedgerStoreError } from './ledger-store-error.js';
export { openLedgerStore, parseLedgerUrl, type LedgerLocation, type OpenLedgerStoreOptions } from './open-ledger-store.js';
export { createPostgresLedgerStore, type PostgresLedgerStoreOptions } from './postgres-ledger-store.js';
export { createSqliteLedgerStore, type SqliteLedgerStoreOptions } from './sqlite-ledger-store.js';
