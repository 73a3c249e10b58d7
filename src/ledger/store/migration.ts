/**
 * One step of a store's schema. Steps are applied in `version` order, each once, and recorded in
 * `schema_migrations`. A shipped migration is never edited: a change is a new entry at the end of
 * both lists (sqlite-migrations.ts, postgres-migrations.ts).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** One or more statements, run together in the migration's transaction. */
  readonly sql: string;
}
