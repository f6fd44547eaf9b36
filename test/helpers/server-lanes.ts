import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startServer, type ServerOptions, type SyncServer } from '../../examples/server/start-server.ts';
import { freshPgliteDir } from './pglite-template.ts';

/** A storage the reference server runs on in tests. */
export interface ServerLane {
  name: 'pglite' | 'postgres';
  /** Creates an empty database for one test file; resolves to its URL and a function that drops it. */
  freshDatabase?: () => Promise<{ url: string; drop(): Promise<void> }>;
}

/** Tests hash many passwords: the cheapest scrypt cost keeps the suite fast (production keeps 2^14). */
export const TEST_SCRYPT_COST = 1024;

const adminUrl = process.env.TEST_DATABASE_URL;

async function createDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `session_sync_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** PGlite always; PostgreSQL too when `TEST_DATABASE_URL` is set (CI starts one). */
export const serverLanes: ServerLane[] = [
  { name: 'pglite' },
  ...(adminUrl ? [{ name: 'postgres' as const, freshDatabase: () => createDatabase(adminUrl) }] : []),
];

/** The lanes two server processes can share (PostgreSQL only). */
export const sharedDatabaseLanes = serverLanes.filter((lane) => lane.freshDatabase !== undefined);

/** A server on a lane, plus the database URL it uses (PostgreSQL lanes) and a close that drops that database. */
export interface LaneServer {
  server: SyncServer;
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the reference server on port 0 on `lane`, on a database of its own.
 *
 * @example
 * describe.each(serverLanes)('pull on $name', (lane) => {
 *   let running: LaneServer;
 *   beforeAll(async () => { running = await startLaneServer(lane); });
 *   afterAll(() => running.close());
 * });
 */
export async function startLaneServer(lane: ServerLane, options: ServerOptions = {}): Promise<LaneServer> {
  const database = lane.freshDatabase ? await lane.freshDatabase() : undefined;
  const pgliteDir = database ? undefined : await freshPgliteDir();
  const cleanUp = async () => {
    await database?.drop();
    await pgliteDir?.remove();
  };
  try {
    const server = await startServer({ scryptCost: TEST_SCRYPT_COST, ...options, port: 0, databaseUrl: database?.url, dataDir: pgliteDir?.dir });
    return {
      server,
      databaseUrl: database?.url,
      async close() {
        await server.close();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/**
 * The reference server for a test that needs just one: on 127.0.0.1 (port 0 unless given), on a
 * PGlite copy of its own that `close()` removes, or on the caller's `dataDir` (kept, for restarts).
 * The one way test/sync, test/e2e and test/integration start it.
 *
 * @example
 * const server = await startTestServer({ accessTokenTtlSec: 2 });
 * await server.close();
 */
export async function startTestServer(options: ServerOptions = {}): Promise<SyncServer> {
  const own = options.dataDir === undefined ? await freshPgliteDir() : undefined;
  try {
    const server = await startServer({ host: '127.0.0.1', port: 0, scryptCost: TEST_SCRYPT_COST, ...options, dataDir: options.dataDir ?? own?.dir });
    if (!own) return server;
    return { ...server, close: async () => { await server.close(); await own.remove(); } };
  } catch (error) {
    await own?.remove();
    throw error;
  }
}
