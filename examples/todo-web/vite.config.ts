// The todo-web example's Vite config. `npm run example:web` (dev.ts) and the browser tests build it
// with todoWebConfig(); `npx vite examples/todo-web` uses the default export (server at 127.0.0.1:4000,
// or VITE_SYNC_SERVER_URL).
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

const here = fileURLToPath(new URL('./', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where the app finds the reference server, and where Vite listens. */
export interface TodoWebConfigOptions {
  /** The reference server's origin, e.g. `http://127.0.0.1:4000`; default: VITE_SYNC_SERVER_URL, else that. */
  serverUrl?: string;
  /** Vite's port; default 5173. 0 picks a free one. */
  port?: number;
  /** Where Vite keeps its pre-bundled dependencies; default node_modules/.vite/todo-web in the repository. */
  cacheDir?: string;
}

/**
 * The Vite config of the example: the app imports `session-sync` from this repository's sources.
 *
 * @example
 * const vite = await createServer({ configFile: false, ...todoWebConfig({ serverUrl: server.httpUrl, port: 0 }) });
 * await vite.listen();
 */
export function todoWebConfig(options: TodoWebConfigOptions = {}): UserConfig {
  return {
    root: here,
    cacheDir: options.cacheDir ?? `${repoRoot}node_modules/.vite/todo-web`,
    // The package is published from dist/; the example runs the sources, as the tests do.
    resolve: { alias: { 'session-sync': `${repoRoot}src/index.ts` } },
    define: options.serverUrl === undefined ? {} : { 'import.meta.env.VITE_SYNC_SERVER_URL': JSON.stringify(options.serverUrl) },
    server: {
      host: '127.0.0.1',
      port: options.port ?? 5173,
      strictPort: options.port !== 0,
      fs: { allow: [repoRoot] },
    },
    preview: { host: '127.0.0.1' },
    clearScreen: false,
  };
}

export default defineConfig(todoWebConfig());
