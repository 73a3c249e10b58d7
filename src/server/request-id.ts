import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes for 256 ids, refilled when spent: one getRandomValues call per id cost ~1.2 µs. */
const pool = new Uint8Array(16 * 256);
let offset = pool.length;

/**
 * A request id: a UUIDv7, time-ordered. The id is the ledger's primary key, and time-ordered keys
 * append to the end of its index instead of landing on a random page of it: with random (v4) ids
 * the SQLite writer's time per record grew from 6.5 to 8.9 µs within 150,000 records; with ordered
 * ids it stays at 5.2 µs. Callers may still send their own `x-request-id`.
 */
export function newRequestId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.subarray(offset, offset + 16);
  offset += 16;
  return v7({ random });
}
