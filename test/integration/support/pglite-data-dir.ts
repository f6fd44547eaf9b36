import { freshPgliteDir } from '../../helpers/pglite-template.ts';

/**
 * A new PGlite data directory with the server schema already in it (the shared test template);
 * remove it with `rm` when done.
 *
 * @example
 * const dataDir = await freshDataDir();
 * const server = await startLifecycleServer({ dataDir });
 */
export async function freshDataDir(): Promise<string> {
  return (await freshPgliteDir()).dir;
}
