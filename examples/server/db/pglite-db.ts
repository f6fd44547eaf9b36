import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable } from './db.ts';

/**
 * An embedded PostgreSQL (PGlite): in memory, or in `dataDir` so data survives restarts.
 *
 * @example
 * const db = await openPgliteDb({ dataDir: './data' });
 */
export async function openPgliteDb(opts: { dataDir?: string | undefined } = {}): Promise<Db> {
  const pg = opts.dataDir === undefined ? new PGlite() : new PGlite(opts.dataDir);
  await pg.waitReady;
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<Row>(sql, [...params])).rows;
    },
  });
  return {
    ...wrap(pg),
    transaction: (work) => pg.transaction((tx) => work(wrap(tx))),
    async listen(channel, onPayload) {
      const stop = await pg.listen(channel, onPayload);
      return () => stop();
    },
    close: () => pg.close(),
  };
}
