/**
 * `npm run example:web`: the reference server and the todo-web app's Vite dev server, both on 127.0.0.1.
 *
 *   npm run example:web
 *   npm run example:web -- --access-ttl 20 --refresh-ttl 120   # watch refreshes, then the relogin dialog
 *   npm run example:web -- --help
 *
 * The server keeps its data in .data/todo-web-server/ (so todos survive a restart of this script) and
 * has a user ada@example.com. While it runs, type a command and Enter: `revoke` (the user's sessions
 * are revoked: the relogin dialog appears at the next refresh), `stop` / `start` (the server goes away
 * and comes back: the app shows offline, then catches up), `help`.
 */
import { mkdir } from 'node:fs/promises';
import { existsSync, cpSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { startServer, type ServerOptions, type SyncServer } from '../server/start-server.ts';
import { demoDataDir } from '../demo/server-data.ts';
import { todoWebConfig } from './vite.config.ts';

const USAGE = `usage: npm run example:web -- [options]
  --port <n>            the app's port (default 5173)
  --server-port <n>     the reference server's port (default 4000)
  --access-ttl <sec>    access token lifetime (default 60)
  --refresh-ttl <sec>   refresh token lifetime (default 3600)
  --fresh               start the server with no data (forget earlier todos and users)
  -h, --help            this text`;

const USER = { username: 'ada@example.com', password: 'correct horse battery' };
const dataDir = fileURLToPath(new URL('../../.data/todo-web-server/', import.meta.url));

function int(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`error: --${flag} must be an integer >= ${min}, got "${raw}"\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' }, 'server-port': { type: 'string' }, 'access-ttl': { type: 'string' },
    'refresh-ttl': { type: 'string' }, fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** An initialised data directory: copied from the demo's cached template the first time (fast). */
async function prepareDataDir(fresh: boolean): Promise<void> {
  if (!fresh && existsSync(`${dataDir}PG_VERSION`)) return;
  const { rm } = await import('node:fs/promises');
  await rm(dataDir, { recursive: true, force: true });
  const template = await demoDataDir();
  await mkdir(dataDir, { recursive: true });
  cpSync(template.dir, dataDir, { recursive: true });
  await template.remove();
}

await prepareDataDir(values.fresh ?? false);
const serverOptions: ServerOptions = {
  port: int('server-port', values['server-port'], 4000, 0),
  dataDir,
  accessTokenTtlSec: int('access-ttl', values['access-ttl'], 60, 1),
  refreshTokenTtlSec: int('refresh-ttl', values['refresh-ttl'], 3600, 1),
};

let server: SyncServer | null;
try {
  server = await startServer(serverOptions);
} catch (error) {
  console.error(`error: the reference server cannot listen on 127.0.0.1:${serverOptions.port} (${(error as Error).message}); pass --server-port`);
  process.exit(1);
}
serverOptions.port = server.port;
await server.createUser(USER).then(
  () => console.log(`created the user ${USER.username}`),
  () => undefined, // already there from an earlier run
);

const vite = await createServer({ configFile: false, ...todoWebConfig({ serverUrl: server.httpUrl, port: int('port', values.port, 5173, 0) }) });
await vite.listen();
const appUrl = vite.resolvedUrls?.local[0] ?? '(unknown)';

console.log(`
  reference server  ${server.httpUrl}  (access tokens ${serverOptions.accessTokenTtlSec} s, refresh tokens ${serverOptions.refreshTokenTtlSec} s; data in .data/todo-web-server/)
  todo app          ${appUrl}
  log in as         ${USER.username} / ${USER.password}

  Open the app in two tabs: one replicates, both write, one refresh per expiry.
  ${process.stdin.isTTY ? 'Commands: revoke · stop · start · help · quit' : 'Ctrl-C to stop'}
`);

const userId = async (): Promise<string | undefined> => {
  // The operator controls take a user id; the login route says which it is.
  if (!server) throw new Error('the server is stopped');
  const { authUrl, appId } = server;
  const response = await fetch(`${authUrl}/app/${appId}/auth/providers/local-userpass/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(USER),
  });
  return ((await response.json()) as { user_id?: string }).user_id;
};

async function command(line: string): Promise<void> {
  const word = line.trim();
  if (word === '') return;
  if (word === 'help') return void console.log('  revoke: revoke ada\'s sessions · stop: take the server away · start: bring it back · quit');
  if (word === 'quit' || word === 'exit') return void (await shutdown());
  if (word === 'stop') {
    if (!server) return void console.log('  already stopped');
    await server.close();
    server = null;
    return void console.log('  the server is stopped: the app shows offline and keeps your todos');
  }
  if (word === 'start') {
    if (server) return void console.log('  already running');
    server = await startServer(serverOptions);
    return void console.log(`  the server is back on ${server.httpUrl}`);
  }
  if (word === 'revoke') {
    if (!server) return void console.log('  start the server first');
    const id = await userId();
    if (id) await server.revokeSessions(id);
    return void console.log(`  revoked every session of ${USER.username}: the relogin dialog opens at the next refresh or request`);
  }
  console.log(`  unknown command "${word}" (help)`);
}

// Commands from a terminal only: Vite ends the process when a stdin it reads ends (its way of
// following a parent that died), so a detached run must leave stdin alone.
const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, terminal: false }) : undefined;
rl?.on('line', (line) => void command(line).catch((error: unknown) => console.error(`  ${(error as Error).message}`)));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  rl?.close();
  await vite.close();
  await server?.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
