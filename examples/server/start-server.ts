import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { addAuthRoutes, AUTH_BASE } from './auth/auth-routes.ts';
import { AuthService } from './auth/auth-service.ts';
import { DEFAULT_SCRYPT_COST } from './auth/passwords.ts';
import { TokenSigner } from './auth/token-signer.ts';
import { ServerClock } from './clock.ts';
import { openDb } from './db/open-db.ts';
import { GraphQLExecutor } from './graphql/graphql-executor.ts';
import { addGraphQLRoute } from './graphql/graphql-route.ts';
import { schemaSdl } from './graphql/schema-sdl.ts';
import { attachStreamSockets } from './graphql/stream-socket-server.ts';
import { syncRootValue } from './graphql/sync-resolvers.ts';
import { applyCors } from './http/cors.ts';
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
  /** Revokes every session of the user: their refresh tokens get `InvalidSession`. */
  revokeSessions(userId: string): Promise<void>;
  /** Replaces the user's custom data, seen in `user_data` of access tokens issued from now on. */
  setCustomData(userId: string, data: Record<string, unknown>): Promise<void>;
  /** The user's documents in a collection, deleted ones included, in pull order. */
  readDocuments(userId: string, collection: string): Promise<SyncDocument[]>;
  /** Moves the server clock by `ms`: tokens expire, and connected sockets are re-checked at once. */
  shiftClock(ms: number): void;
  /** A snapshot of the request counters. */
  stats(): ServerStats;
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

  const clock = new ServerClock();
  const stats = emptyStats();
  const db = await openDb({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const signer = await TokenSigner.load(db, clock);
  const auth = new AuthService(db, signer, clock, {
    accessTokenTtlSec: options.accessTokenTtlSec ?? 1800,
    refreshTokenTtlSec: options.refreshTokenTtlSec ?? 5_184_000,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    scryptCost,
  }, stats);
  const store = new DocumentStore(db, clock, collections);
  const feed = await ChangeFeed.start(db, store, logger);
  const schema = buildSchema(schemaSdl(collections));
  const rootValue = syncRootValue({ store, feed, collections, stats });

  const router = new Router();
  addAuthRoutes(router, { auth, signer, appId, maxBodyBytes, stats });
  addGraphQLRoute(router, { auth, executor: new GraphQLExecutor(schema, rootValue, logger), maxBodyBytes, stats });

  const httpServer = createServer((req, res) => void handle(router, req, res, logger));
  httpServer.keepAliveTimeout = 60_000;
  // Unparseable HTTP gets a 400 instead of a dropped connection.
  httpServer.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  const streams = attachStreamSockets({ httpServer, path: '/graphql', schema, rootValue, auth, clock, stats, maxPayloadBytes: maxBodyBytes });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address, family } = httpServer.address() as AddressInfo;
  const hostPart = family === 'IPv6' ? `[${address}]` : address;
  const httpUrl = `http://${hostPart}:${port}`;
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
    setCustomData: (userId, data) => auth.setCustomData(userId, data),
    async readDocuments(userId, collection) {
      if (!(collection in collections)) throw new Error(`unknown collection "${collection}"`);
      return store.read(userId, collection);
    },
    shiftClock: (ms) => clock.shift(ms),
    stats: () => ({ ...stats }),
    async close() {
      await streams.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await feed.stop();
      await db.close();
    },
  };
}

async function handle(router: Router, req: IncomingMessage, res: ServerResponse, logger: ServerLogger): Promise<void> {
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
      sendJson(res, error.status, error.body, error.status === 413 ? { connection: 'close' } : {});
    } else {
      logger.error('request failed', { method: req.method, error: String(error) });
      sendJson(res, 500, { error: 'internal server error', error_code: 'InternalServerError' });
    }
  }
}
