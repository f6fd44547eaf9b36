import type { Db } from '../../examples/server/db/db.ts';
import { openPgliteDb } from '../../examples/server/db/pglite-db.ts';
import { openPostgresDb } from '../../examples/server/db/postgres-db.ts';
import { freshPgliteDir } from './pglite-template.ts';
import type { ServerLane } from './server-lanes.ts';

/** A lane's database of its own that a test shapes by hand (raw SQL) before a server starts on it. */
export interface LaneStorage {
  /** What `startServer` needs to run on this database. */
  serverOptions: { dataDir?: string; databaseUrl?: string };
  /** Opens the database without the server's schema step. PGlite allows one opener at a time: close it before a server starts. */
  openRaw(): Promise<Db>;
  remove(): Promise<void>;
}

/**
 * A PGlite data directory (with the server's schema in it) or an empty PostgreSQL database.
 *
 * @example
 * const storage = await laneStorage(lane);
 * const raw = await storage.openRaw();
 * await raw.query('create table documents (…)');
 * await raw.close();
 * const server = await startServer({ ...storage.serverOptions, port: 0 });
 */
export async function laneStorage(lane: ServerLane): Promise<LaneStorage> {
  if (lane.freshDatabase) {
    const database = await lane.freshDatabase();
    return {
      serverOptions: { databaseUrl: database.url },
      openRaw: () => openPostgresDb({ databaseUrl: database.url, maxConnections: 2 }),
      remove: () => database.drop(),
    };
  }
  const { dir, remove } = await freshPgliteDir();
  return { serverOptions: { dataDir: dir }, openRaw: () => openPgliteDb({ dataDir: dir }), remove };
}
