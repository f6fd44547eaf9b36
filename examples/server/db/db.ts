/** Runs SQL; rows come back as plain objects keyed by column name. */
export interface Queryable {
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/**
 * The one database interface the server uses, implemented over PGlite and over node-postgres.
 * Both speak the same SQL dialect, and both deliver NOTIFY payloads to `listen` callbacks.
 *
 * @example
 * const db = await openDb({ databaseUrl: process.env.DATABASE_URL });
 * await db.transaction(async (tx) => tx.query('select 1'));
 */
export interface Db extends Queryable {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `onPayload` for each NOTIFY on `channel`; resolves to the unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
