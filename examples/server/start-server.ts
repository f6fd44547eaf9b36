import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { buildSchema } from 'graphql';
import { addAdminRoutes } from './admin/admin-routes.ts';
import { assertAdminKey } from './admin/admin-key.ts';
import { AccountFlowThrottle, type AccountFlowThrottleOptions } from './auth/account-flow-throttle.ts';
import { AccountFlows } from './auth/account-flows.ts';
import { AccountTokens } from './auth/account-tokens.ts';
import { addAuthRoutes, AUTH_BASE } from './auth/auth-routes.ts';
import { AuthService } from './auth/auth-service.ts';
import { addLocationRoute, normalisePublicUrl } from './auth/location-route.ts';
import { logMailer, type AccountMailer } from './auth/mailer.ts';
import { LoginThrottle, type LoginThrottleOptions } from './auth/login-throttle.ts';
import { DEFAULT_SCRYPT_COST } from './auth/passwords.ts';
import { RegistrationThrottle, type RegistrationThrottleOptions } from './auth/registration-throttle.ts';
import type { Revoked } from './auth/session-revocations.ts';
import { TokenSigner } from './auth/token-signer.ts';
import { ServerClock } from './clock.ts';
import { openDb } from './db/open-db.ts';
import { GraphQLExecutor } from './graphql/graphql-executor.ts';
import { addGraphQLRoute } from './graphql/graphql-route.ts';
import { schemaSdl } from './graphql/schema-sdl.ts';
import { attachStreamSockets } from './graphql/stream-socket-server.ts';
import { syncRootValue } from './graphql/sync-resolvers.ts';
import { applyCors } from './http/cors.ts';
import { discardBody, discardBoundFor } from './http/discard-body.ts';
import { HttpError } from './http/http-error.ts';
import { Router } from './http/router.ts';
import { sendJson } from './http/send-json.ts';
import { silentServerLogger, type ServerLogger } from './server-logger.ts';
import { emptyStats, type ServerStats } from './stats.ts';
import { ChangeFeed } from './sync/change-feed.ts';
import { assertCollections, DEFAULT_COLLECTIONS, type CollectionsConfig } from './sync/collections.ts';
import { DocumentStore, type SyncDocument } from './sync/document-store.ts';

/** Options of {@link startServer}; every one has a default. */
export interface ServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** App id in the auth URLs; default `session-sync`. */
  appId?: string;
  /** PostgreSQL connection string; when unset, PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory (survives restarts); when unset, PGlite runs in memory. */
  dataDir?: string | undefined;
  /** Access token lifetime; default 1800 s (30 minutes). */
  accessTokenTtlSec?: number;
  /** Refresh token lifetime; default 5,184,000 s (60 days). */
  refreshTokenTtlSec?: number;
  /** Rotate refresh tokens with reuse detection; default false, as in App Services. */
  rotateRefreshTokens?: boolean;
  /** scrypt cost N for new password hashes; default 16384. Lower it only for tests and demos. */
  scryptCost?: number;
  /** Synced collections; default `todo` and `note`. */
  collections?: CollectionsConfig;
  /** Largest accepted request body or websocket message; default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Failed-login limits, answered with 429 `TooManyRequests` and `Retry-After`; default 10 failures per
   * account per 15 minutes and 30 per client address per minute. Successful logins never count.
   * Kept in memory per process, on the server clock.
   */
  loginThrottle?: LoginThrottleOptions;
  /** Registration limit per client address, answered like the login throttle; default 20 an hour. */
  registrationThrottle?: RegistrationThrottleOptions;
  /**
   * The origin clients reach the server at (`https://sync.example.com`, a path prefix allowed), for the
   * `location` answer and the default mail links. Set it behind a proxy; without it, the request's
   * `Host` (over `http:`) is used.
   */
  publicUrl?: string;
  /** Register confirmed accounts (App Services' "automatically confirm users"); default true. When false, accounts confirm by mail before they can log in. */
  autoConfirm?: boolean;
  /** Delivers confirmation and password-reset mails; default {@link logMailer} on `logger` (for development: it logs the links). */
  mailer?: AccountMailer;
  /** The app page confirmation links open, with `?token=…&tokenId=…`; default `<publicUrl or httpUrl>/confirm-email` (this server serves no page there). */
  emailConfirmationUrl?: string;
  /** The app page reset links open, with `?token=…&tokenId=…`; default `<publicUrl or httpUrl>/reset-password`. */
  resetPasswordUrl?: string;
  /** Lifetime of confirmation and reset links; default 1800 s (30 minutes, as App Services'). Each link works once. */
  accountTokenTtlSec?: number;
  /** Limits on the account flows' mails and token uses; default 3 mails per address and 20 per client an hour, 20 refused tokens per client per 15 minutes. */
  accountFlowThrottle?: AccountFlowThrottleOptions;
  /** Key of the admin API (`Authorization: Bearer <key>`, at least 32 characters); without one the admin API is off (404). */
  adminKey?: string | undefined;
  logger?: ServerLogger;
}

/** A running reference server and its operator controls (methods, never HTTP routes). */
export interface SyncServer {
  httpUrl: string;
  authUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  appId: string;
  port: number;
  createUser(user: { username: string; password: string; customData?: Record<string, unknown> }): Promise<{ userId: string }>;
  /** Revokes every session of the user: their refresh tokens get `InvalidSession`, their access tokens 401 at once. */
  revokeSessions(userId: string): Promise<void>;
  /** Replaces the user's custom data, seen in `user_data` of access tokens issued from now on. */
  setCustomData(userId: string, data: Record<string, unknown>): Promise<void>;
  /** The user's documents in a collection, deleted ones included, in pull order. */
  readDocuments(userId: string, collection: string): Promise<SyncDocument[]>;
  /** Moves the server clock by `ms`: tokens expire, and connected sockets are re-checked at once. */
  shiftClock(ms: number): void;
  /** Calls `listener` when sessions are revoked (logout, refresh-token reuse, `revokeSessions`) by any process on the database. */
  onRevoked(listener: (revoked: Revoked) => void): () => void;
  /** A snapshot of the request counters. */
  stats(): ServerStats;
  /** Resolves once every account mail asked for so far was handed to the mailer (mails go out after the answer). */
  mailsSettled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the reference sync server: App Services–style auth and GraphQL replication over PGlite or PostgreSQL.
 *
 * @example
 * const server = await startServer({ port: 0 });
 * await server.createUser({ username: 'ada@example.com', password: 'secret-1' });
 * console.log(server.graphqlUrl);
 * await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<SyncServer> {
  const appId = options.appId ?? 'session-sync';
  const collections = options.collections ?? DEFAULT_COLLECTIONS;
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const logger = options.logger ?? silentServerLogger;
  assertCollections(collections);
  const scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
  if (!Number.isInteger(Math.log2(scryptCost)) || scryptCost < 2) throw new Error(`scryptCost must be a power of two, got ${scryptCost}`);
  if (options.adminKey !== undefined) assertAdminKey(options.adminKey);
  const publicUrl = options.publicUrl === undefined ? undefined : normalisePublicUrl(options.publicUrl);
  for (const [name, page] of [['emailConfirmationUrl', options.emailConfirmationUrl], ['resetPasswordUrl', options.resetPasswordUrl]] as const) {
    if (page !== undefined && !URL.canParse(page)) throw new Error(`${name} must be an absolute URL, got "${page}"`);
  }
  // Known once the server listens; the routes and mail links read it later.
  let ownUrl = '';
  const linkBase = () => publicUrl ?? ownUrl;

  const clock = new ServerClock();
  const stats = emptyStats();
  const loginThrottle = new LoginThrottle(clock, options.loginThrottle);
  const registrationThrottle = new RegistrationThrottle(clock, options.registrationThrottle);
  const db = await openDb({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const signer = await TokenSigner.load(db, clock);
  const auth = await AuthService.start(db, signer, clock, {
    accessTokenTtlSec: options.accessTokenTtlSec ?? 1800,
    refreshTokenTtlSec: options.refreshTokenTtlSec ?? 5_184_000,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    scryptCost,
  }, stats, logger);
  const flows = new AccountFlows(db, auth, new AccountTokens(clock), options.mailer ?? logMailer(logger), {
    autoConfirm: options.autoConfirm ?? true,
    tokenTtlSec: options.accountTokenTtlSec ?? 1800,
    scryptCost,
    emailConfirmationUrl: () => options.emailConfirmationUrl ?? `${linkBase()}/confirm-email`,
    resetPasswordUrl: () => options.resetPasswordUrl ?? `${linkBase()}/reset-password`,
  }, logger);
  const accountFlowThrottle = new AccountFlowThrottle(clock, options.accountFlowThrottle);
  const store = new DocumentStore(db, clock, collections);
  const feed = await ChangeFeed.start(db, store, logger);
  const schema = buildSchema(schemaSdl(collections));
  const rootValue = syncRootValue({ store, feed, collections, stats });

  const router = new Router();
  addAuthRoutes(router, { auth, signer, appId, maxBodyBytes, stats, loginThrottle, registrationThrottle, flows, accountFlowThrottle });
  addLocationRoute(router, { appId, publicUrl, httpUrl: () => ownUrl });
  addAdminRoutes(router, { auth, adminKey: options.adminKey });
  addGraphQLRoute(router, { auth, executor: new GraphQLExecutor(schema, rootValue, logger, stats), maxBodyBytes, stats });

  const httpServer = createServer((req, res) => void handle(router, req, res, logger, maxBodyBytes));
  httpServer.keepAliveTimeout = 60_000;
  // Unparseable HTTP gets a 400 instead of a dropped connection.
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, logger));
  const streams = attachStreamSockets({ httpServer, path: '/graphql', schema, rootValue, auth, clock, stats, logger, maxPayloadBytes: maxBodyBytes });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address, family } = httpServer.address() as AddressInfo;
  const hostPart = family === 'IPv6' ? `[${address}]` : address;
  const httpUrl = `http://${hostPart}:${port}`;
  ownUrl = httpUrl;
  logger.info('listening', { httpUrl });

  return {
    httpUrl,
    authUrl: `${httpUrl}${AUTH_BASE}`,
    graphqlUrl: `${httpUrl}/graphql`,
    wsUrl: `ws://${hostPart}:${port}/graphql`,
    appId,
    port,
    createUser: (user) => auth.createUser(user),
    revokeSessions: (userId) => auth.revokeSessions(userId),
    onRevoked: (listener) => auth.onRevoked(listener),
    setCustomData: (userId, data) => auth.setCustomData(userId, data),
    async readDocuments(userId, collection) {
      if (!(collection in collections)) throw new Error(`unknown collection "${collection}"`);
      return store.read(userId, collection);
    },
    shiftClock: (ms) => clock.shift(ms),
    stats: () => ({ ...stats }),
    mailsSettled: () => flows.idle(),
    async close() {
      await streams.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await feed.stop();
      await flows.idle();
      await auth.stop();
      await db.close();
    },
  };
}

async function handle(router: Router, req: IncomingMessage, res: ServerResponse, logger: ServerLogger, maxBodyBytes: number): Promise<void> {
  try {
    if (applyCors(req, res)) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = router.match(req.method ?? 'GET', path);
    if (match === null) return sendJson(res, 404, { error: `no route for ${path}`, error_code: 'NotFound' });
    if (match === 'method') return sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}`, error_code: 'MethodNotAllowed' });
    await match.handler(req, res, match.params);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
    } else if (error instanceof HttpError) {
      sendJson(res, error.status, error.body, error.headers);
    } else {
      logger.error('request failed', { method: req.method, error: String(error) });
      sendJson(res, 500, { error: 'internal server error', error_code: 'InternalServerError' });
    }
  } finally {
    // A body left unread (a 401, 404 or 405 answered first) is drained, bounded, so the client reads
    // the answer instead of a reset, and the keep-alive connection stays usable.
    if (!req.readableEnded) void discardBody(req, discardBoundFor(maxBodyBytes));
  }
}

/**
 * Unparseable HTTP gets one warn line and a 400 (431 for oversized headers, 408 for a request that
 * took too long) instead of a dropped connection; a peer that reset the connection gets neither.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: ServerLogger): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  logger.warn('http request refused', { code: error.code, reason: error.message });
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
