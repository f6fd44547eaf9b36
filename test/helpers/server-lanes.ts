import { randomBytes } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startServer, type ServerOptions, type SyncServer } from '../../examples/server/start-server.ts';

/** A storage the reference server runs on in tests. */
export interface ServerLane {
  name: 'pglite' | 'postgres';
  /** Creates an empty database for one test file; resolves to its URL and a function that drops it. */
  freshDatabase?: () => Promise<{ url: string; drop(): Promise<void> }>;
}

/** Tests hash many passwords: the cheapest scrypt cost keeps the suite fast (production keeps 2^14). */
export const TEST_SCRYPT_COST = 1024;

/**
 * An initialised, empty PGlite cluster on disk, made once per machine and copied for each server:
 * PGlite's initdb takes seconds, opening an existing data directory does not.
 */
/** tmpfs when there is one: PGlite writes its files through on every checkpoint. */
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

async function pgliteTemplate(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const { version } = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  const dir = join(ROOT, `session-sync-pglite-template-${version}`);
  if (await stat(join(dir, 'PG_VERSION')).then(() => true, () => false)) return dir;
  const building = await mkdtemp(`${dir}-building-`);
  const db = new PGlite(building);
  await db.waitReady;
  await db.close();
  // Another worker may have won the race; either copy is fine.
  await rename(building, dir).catch(() => rm(building, { recursive: true, force: true }));
  return dir;
}

/**
 * A PGlite data directory of its own, copied from the initialised template.
 *
 * @example
 * const { dir, remove } = await freshPgliteDir();
 * const server = await startServer({ dataDir: dir });
 */
export async function freshPgliteDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const template = await pgliteTemplate();
  const dir = await mkdtemp(join(ROOT, 'session-sync-pglite-'));
  // Synchronous copy: measured much faster than fs.promises.cp for PGlite's many small files.
  cpSync(template, dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

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
