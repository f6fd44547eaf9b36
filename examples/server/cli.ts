/**
 * `npm run server`: starts the reference sync server from flags or environment variables.
 *
 * @example
 * // npm run server -- --port 4000 --data-dir ./server-data --access-ttl 60
 */
import { parseArgs } from 'node:util';
import { startServer, type ServerOptions } from './start-server.ts';
import type { ServerLogger } from './server-logger.ts';

const USAGE = `usage: npm run server -- [options]
  --port <n>              PORT                  port to listen on (default 4000; 0 picks a free one)
  --host <addr>           HOST                  interface to bind (default 127.0.0.1)
  --data-dir <dir>        DATA_DIR              PGlite data directory (default: in memory)
                          DATABASE_URL          use this PostgreSQL instead of PGlite
  --app-id <id>           APP_ID                app id in the auth URLs (default session-sync)
  --access-ttl <sec>      ACCESS_TOKEN_TTL_SEC  access token lifetime (default 1800)
  --refresh-ttl <sec>     REFRESH_TOKEN_TTL_SEC refresh token lifetime (default 5184000)
  --rotate-refresh-tokens ROTATE_REFRESH_TOKENS=1  rotate refresh tokens, revoke a session on reuse`;

/** Thrown for a bad flag or value; the message names it. */
class UsageError extends Error {}

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): ServerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, 'app-id': { type: 'string' },
        'access-ttl': { type: 'string' }, 'refresh-ttl': { type: 'string' }, 'rotate-refresh-tokens': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const options: ServerOptions = {
    port: integer('--port / PORT', values.port ?? env.PORT, 0) ?? 4000,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    appId: values['app-id'] ?? env.APP_ID ?? 'session-sync',
    rotateRefreshTokens: values['rotate-refresh-tokens'] ?? ['1', 'true'].includes(env.ROTATE_REFRESH_TOKENS ?? ''),
  };
  const accessTtl = integer('--access-ttl / ACCESS_TOKEN_TTL_SEC', values['access-ttl'] ?? env.ACCESS_TOKEN_TTL_SEC, 1);
  const refreshTtl = integer('--refresh-ttl / REFRESH_TOKEN_TTL_SEC', values['refresh-ttl'] ?? env.REFRESH_TOKEN_TTL_SEC, 1);
  if (accessTtl !== undefined) options.accessTokenTtlSec = accessTtl;
  if (refreshTtl !== undefined) options.refreshTokenTtlSec = refreshTtl;
  if (env.DATABASE_URL) options.databaseUrl = env.DATABASE_URL;
  const dataDir = values['data-dir'] ?? env.DATA_DIR;
  if (dataDir) options.dataDir = dataDir;
  if (options.databaseUrl && options.dataDir) throw new UsageError('set DATABASE_URL or --data-dir / DATA_DIR, not both');
  return options;
}

// The CLI is the one place that talks to the terminal; the server itself only sees this logger.
const consoleLogger: ServerLogger = {
  info: (message, data) => console.log(message, data ?? ''),
  warn: (message, data) => console.warn(message, data ?? ''),
  error: (message, data) => console.error(message, data ?? ''),
};

async function main(): Promise<void> {
  let options: ServerOptions;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  // The banner below says where it listens; info lines would repeat it.
  const server = await startServer({ ...options, logger: { ...consoleLogger, info: () => {} } });
  const storage = options.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : options.dataDir ? `PGlite in ${options.dataDir}` : 'PGlite in memory';
  console.log(`session-sync server listening on ${server.httpUrl}`);
  console.log(`  auth     ${server.authUrl}/app/${server.appId}/auth/providers/local-userpass/login`);
  console.log(`  graphql  ${server.graphqlUrl}`);
  console.log(`  stream   ${server.wsUrl}`);
  console.log(`  storage  ${storage}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
