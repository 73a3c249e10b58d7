import { z } from 'zod';

/**
 * `ledger:` in tollgate.yaml. The ledger is on always: every request is recorded; these settings
 * say where and how.
 */
export const ledgerConfigSchema = z.object({
  /**
   * Where records live: a SQLite file (`sqlite:./data/tollgate.db`, the default; a bare path works
   * too; `:memory:` for throwaway runs) or PostgreSQL (`postgres://user:pass@host:5432/db`).
   */
  url: z.string().min(1).default('sqlite:./data/tollgate.db'),
  /** Group commit: records are written in batches of up to this many… */
  batchSize: z.number().int().positive().max(10_000).default(500),
  /** …or after this many milliseconds, whichever comes first. */
  flushIntervalMs: z.number().int().positive().max(60_000).default(100),
  /**
   * Records held in memory while the store is unreachable. Past this, the oldest unwritten batches
   * go to a spill file under ./data (replayed on the next start) rather than being lost.
   */
  maxPending: z.number().int().positive().default(200_000),
  /** Where records that could not be written wait for the next start (JSON lines). */
  spillFile: z.string().min(1).default('./data/ledger-spill.jsonl'),
  /** Store each request's prompt and response with its record. Off by default: prompts are the caller's data. */
  storePayloads: z.boolean().default(false),
  /** With storePayloads: how long prompts and responses are kept before being erased (records stay). */
  payloadRetentionDays: z.number().positive().default(7),
}).strict();

export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;
