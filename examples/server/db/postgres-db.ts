import pg from 'pg';
import type { Db, Queryable } from './db.ts';

/**
 * A real PostgreSQL through a node-postgres pool, plus one dedicated connection for LISTEN.
 *
 * @example
 * const db = await openPostgresDb({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/app' });
 */
export async function openPostgresDb(opts: { databaseUrl: string; maxConnections?: number }): Promise<Db> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.maxConnections ?? 10 });
  // An idle client that dies (server restart) must not take the process down.
  pool.on('error', () => {});
  const listener = new pg.Client({ connectionString: opts.databaseUrl });
  listener.on('error', () => {});
  await listener.connect();
  const handlers = new Map<string, Set<(payload: string) => void>>();
  listener.on('notification', (n) => {
    for (const handler of handlers.get(n.channel) ?? []) handler(n.payload ?? '');
  });
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<Row & pg.QueryResultRow>(sql, [...params])).rows;
    },
  });
  return {
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await listener.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      await listener.end();
      await pool.end();
    },
  };
}
