/**
 * `npm run server`: starts the reference sync server from flags or environment variables.
 *
 * @example
 * // npm run server -- --port 4000 --data-dir ./server-data --access-ttl 60
 */
import { parseArgs } from 'node:util';
import { ADMIN_BASE } from './admin/admin-routes.ts';
import { assertAdminKey, newAdminKey } from './admin/admin-key.ts';
import { logMailer } from './auth/mailer.ts';
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
  --rotate-refresh-tokens ROTATE_REFRESH_TOKENS=1  rotate refresh tokens, revoke a session on reuse
  --public-url <url>      PUBLIC_URL            origin clients reach the server at, behind a proxy (default: the request's Host)
  --require-email-confirmation REQUIRE_EMAIL_CONFIRMATION=1  new accounts confirm by mail before login (default: confirmed at once)
  --email-confirmation-url <url> EMAIL_CONFIRMATION_URL  the app page confirmation links open
  --reset-password-url <url>     RESET_PASSWORD_URL      the app page password-reset links open
                          ADMIN_KEY             key of the admin API (at least 32 characters); unset: one is generated and printed
Account mails (confirmation, password reset) are printed here, links included: this CLI has no mail server.`;

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
        'public-url': { type: 'string' }, 'require-email-confirmation': { type: 'boolean' },
        'email-confirmation-url': { type: 'string' }, 'reset-password-url': { type: 'string' },
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
    autoConfirm: !(values['require-email-confirmation'] ?? ['1', 'true'].includes(env.REQUIRE_EMAIL_CONFIRMATION ?? '')),
  };
  const publicUrl = values['public-url'] ?? env.PUBLIC_URL;
  if (publicUrl) options.publicUrl = publicUrl;
  const confirmationUrl = values['email-confirmation-url'] ?? env.EMAIL_CONFIRMATION_URL;
  if (confirmationUrl) options.emailConfirmationUrl = confirmationUrl;
  const resetUrl = values['reset-password-url'] ?? env.RESET_PASSWORD_URL;
  if (resetUrl) options.resetPasswordUrl = resetUrl;
  // From the environment only: a flag's value would show in every process list.
  if (env.ADMIN_KEY) {
    try {
      assertAdminKey(env.ADMIN_KEY);
    } catch (error) {
      throw new UsageError(`ADMIN_KEY: ${(error as Error).message}`);
    }
    options.adminKey = env.ADMIN_KEY;
  }
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
  const generatedKey = options.adminKey === undefined ? newAdminKey() : undefined;
  // The banner below says where it listens; info lines would repeat it. Mails still go to the
  // console: without a mail server, that is where a developer finds the confirmation link.
  const server = await startServer({
    ...options,
    adminKey: options.adminKey ?? generatedKey,
    mailer: logMailer(consoleLogger),
    logger: { ...consoleLogger, info: () => {} },
  });
  const storage = options.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : options.dataDir ? `PGlite in ${options.dataDir}` : 'PGlite in memory';
  console.log(`session-sync server listening on ${server.httpUrl}`);
  console.log(`  auth     ${server.authUrl}/app/${server.appId}/auth/providers/local-userpass/login`);
  console.log(`  graphql  ${server.graphqlUrl}`);
  console.log(`  stream   ${server.wsUrl}`);
  console.log(`  storage  ${storage}`);
  console.log(`  admin    ${server.httpUrl}${ADMIN_BASE}/users/<userId>/custom-data (PUT, GET) with Authorization: Bearer <admin key>`);
  // The one time the key is shown: it was made for this run, and the operator needs it to use the API.
  if (generatedKey) console.log(`  admin key (generated for this run; set ADMIN_KEY to keep one): ${generatedKey}`);
  else console.log('  admin key from ADMIN_KEY');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
