// The demo server's PGlite data directory. A new PGlite runs initdb, which takes several seconds (more
// on a busy machine); opening an existing directory takes well under one. So the first run keeps an
// empty, initialised directory in node_modules/.cache/session-sync-demo/ and later runs start from a copy.
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../server/db/open-db.ts';

/** A data directory of the demo's own, removed by `remove()`. */
export interface DemoDataDir {
  dir: string;
  /** True when it was copied from the cached template (a fast start). */
  fromCache: boolean;
  remove(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cacheRoot = join(repoRoot, 'node_modules', '.cache', 'session-sync-demo');

/** Keyed by PGlite's version and the server's schema: a change to either builds a new template. */
async function templateKey(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = await readFile(join(dirname(entry), '..', 'package.json'));
  const schema = await readFile(new URL('../server/db/schema.ts', import.meta.url));
  return createHash('sha256').update(manifest).update(schema).digest('hex').slice(0, 16);
}

/**
 * A fresh data directory with the server's tables in it and nothing else: the signing key, the user
 * and the sessions are created by each run.
 *
 * @example
 * const data = await demoDataDir();
 * const server = await startServer({ dataDir: data.dir });
 * await server.close(); await data.remove();
 */
export async function demoDataDir(): Promise<DemoDataDir> {
  const dir = await mkdtemp(join(tmpdir(), 'session-sync-demo-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const template = join(cacheRoot, `pglite-${await templateKey()}`);
  if (existsSync(join(template, 'PG_VERSION'))) {
    cpSync(template, dir, { recursive: true });
    return { dir, fromCache: true, remove };
  }
  // No template yet: initialise one (initdb and the tables, no server) and copy it.
  try {
    await mkdir(cacheRoot, { recursive: true });
    const building = join(cacheRoot, `building-${randomUUID()}`);
    const db = await openDb({ dataDir: building });
    await db.close();
    await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
    cpSync(template, dir, { recursive: true });
  } catch {
    // A read-only checkout: start on the empty directory (initdb happens in startServer).
  }
  return { dir, fromCache: false, remove };
}
