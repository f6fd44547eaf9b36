import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startServer } from '../../examples/server/start-server.ts';

// A fresh PGlite runs initdb, 5–12 s on a busy two-core machine; opening an existing data directory
// takes well under a second. So one template (initdb + the server's schema) is built the first time a
// test needs a database and every server gets a copy. Keyed by PGlite's version and the schema file,
// so either change builds a new one. tmpfs when there is one: copying ~1,000 files to disk costs seconds.
const ROOT = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'session-sync-test');

async function templateKey(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pgliteManifest = await readFile(join(dirname(entry), '..', 'package.json'));
  const schema = await readFile(new URL('../../examples/server/db/schema.ts', import.meta.url));
  return createHash('sha256').update(pgliteManifest).update(schema).digest('hex').slice(0, 16);
}

async function templateDir(): Promise<string> {
  const dir = join(ROOT, `pglite-template-${await templateKey()}`);
  if (await stat(join(dir, 'PG_VERSION')).then(() => true, () => false)) return dir;
  await mkdir(ROOT, { recursive: true });
  const building = join(ROOT, `building-${randomUUID()}`);
  const server = await startServer({ port: 0, dataDir: building });
  await server.close();
  // Two workers may build at once: the first rename wins, the other copy is dropped.
  await rename(building, dir).catch(() => rm(building, { recursive: true, force: true }));
  return dir;
}

/**
 * A PGlite data directory of its own with the server schema already in it, copied from the template.
 *
 * @example
 * const { dir, remove } = await freshPgliteDir();
 * const server = await startServer({ dataDir: dir });
 * await server.close(); await remove();
 */
export async function freshPgliteDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const template = await templateDir();
  const dir = await mkdtemp(join(ROOT, 'server-'));
  // Synchronous: Node 20's async fs.cp is several times slower over many small files.
  cpSync(template, dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
