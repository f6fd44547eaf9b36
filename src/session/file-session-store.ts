import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { parseStoredSession, type SessionStore } from './session-store.ts';

/**
 * Options of {@link fileSessionStore}.
 */
export interface FileSessionStoreOptions {
  /** The JSON file; its directory is created (mode 0700) when missing. */
  path: string;
  logger?: Logger;
}

/**
 * Keeps the session in a JSON file (Node): written atomically (temp file + rename, so a crash leaves
 * either the old or the new session), readable by the owner only (mode 0600). A missing file loads
 * as `null`. A corrupt or wrong-version file loads as `null`, is logged (without its content), and is
 * left in place for inspection: the next `save` replaces it. Other read errors (no permission, a
 * directory at the path) are thrown: they are not "no session".
 *
 * @example
 * ```ts
 * const store = fileSessionStore({ path: join(homedir(), '.my-app', 'session.json') });
 * ```
 */
export function fileSessionStore(opts: FileSessionStoreOptions): SessionStore {
  const { path } = opts;
  const logger = opts.logger ?? silentLogger;
  return {
    async load() {
      const { readFile } = await nodeFs();
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        logger.warn('session file is not valid JSON; ignoring it', { path });
        return null;
      }
      const session = parseStoredSession(parsed);
      if (!session) logger.warn('session file has an unknown shape or version; ignoring it', { path });
      return session;
    },
    async save(session) {
      const { chmod, mkdir, rename, rm, writeFile } = await nodeFs();
      const { dirname } = await nodePath();
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${globalThis.crypto.randomUUID()}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(session), { mode: 0o600, flag: 'wx' });
        // The umask may have narrowed the mode further, never widened it; make it exact.
        await chmod(temp, 0o600);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async clear() {
      const { rm } = await nodeFs();
      await rm(path, { force: true });
    },
  };
}

// The barrel exports this store to browser apps too: Node's modules are loaded on first use, through
// a specifier that bundlers leave alone, so a browser bundle of the barrel never contains (or fails
// to resolve) `node:fs`.
const loadNodeModule = <T>(specifier: string): Promise<T> => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
const nodeFs = (): Promise<typeof NodeFs> => loadNodeModule('node:fs/promises');
const nodePath = (): Promise<typeof NodePath> => loadNodeModule('node:path');
