import type { Db } from './db.ts';
import { openPgliteDb } from './pglite-db.ts';
import { openPostgresDb } from './postgres-db.ts';
import { createSchema } from './schema.ts';

/**
 * Opens PostgreSQL when `databaseUrl` is set, else PGlite (in `dataDir`, or in memory), and creates the schema.
 *
 * @example
 * const db = await openDb({ databaseUrl: process.env.DATABASE_URL });
 */
export async function openDb(opts: { databaseUrl?: string | undefined; dataDir?: string | undefined }): Promise<Db> {
  const db = opts.databaseUrl
    ? await openPostgresDb({ databaseUrl: opts.databaseUrl })
    : await openPgliteDb({ dataDir: opts.dataDir });
  try {
    await createSchema(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
