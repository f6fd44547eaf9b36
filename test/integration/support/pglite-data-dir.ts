import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../../examples/server/start-server.ts';

// A fresh in-memory PGlite runs initdb, which costs 5–12 s on a busy two-core machine; opening an
// existing data directory takes under a second. So the first test to need a database initialises one
// template (keyed by the server's schema, so a schema change makes a new one) and every server gets
// its own copy of it, in memory (tmpfs) where there is one: copying ~1,000 files to disk costs seconds.
const root = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'session-sync-integration');

async function templateDir(): Promise<string> {
  const schema = await readFile(new URL('../../../examples/server/db/schema.ts', import.meta.url));
  const key = createHash('sha256').update(schema).digest('hex').slice(0, 16);
  const dir = join(root, `pglite-template-${key}`);
  if (await exists(dir)) return dir;
  await mkdir(root, { recursive: true });
  const building = join(root, `building-${randomUUID()}`);
  const server = await startServer({ port: 0, dataDir: building });
  await server.close();
  // Two workers may build at once: the first rename wins, the other copy is dropped.
  await rename(building, dir).catch(() => rm(building, { recursive: true, force: true }));
  return dir;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A new PGlite data directory with the server schema already in it; remove it with `rm` when done.
 *
 * @example
 * const dataDir = await freshDataDir();
 * const server = await startServer({ port: 0, dataDir });
 */
export async function freshDataDir(): Promise<string> {
  const template = await templateDir();
  const dir = await mkdtemp(join(root, 'server-'));
  // Synchronous: Node 20's async fs.cp is several times slower over many small files.
  cpSync(template, dir, { recursive: true });
  return dir;
}
