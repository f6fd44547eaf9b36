// The bench's fast in-memory server (bench only): DESIGN.md's wire contracts — App Services-style
// local-userpass auth with HS256 JWTs (a cheap password check, no slow hash) and GraphQL sync
// (pullX / pushX over POST /graphql, streamX over graphql-ws on the same path) — over an in-memory
// document log, so that the client, not the server, is what a lane measures.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify, SignJWT } from 'jose';
import { bearerToken } from '../../examples/server/http/bearer-token.ts';
import { applyCors } from '../../examples/server/http/cors.ts';
import { HttpError } from '../../examples/server/http/http-error.ts';
import { readJsonBody } from '../../examples/server/http/read-json-body.ts';
import { sendJson } from '../../examples/server/http/send-json.ts';
import { emptyStats, type ServerStats } from '../../examples/server/stats.ts';
import { DEFAULT_COLLECTIONS, type CollectionsConfig } from '../../examples/server/sync/collections.ts';
import { DocumentLog } from './document-log.ts';
import { ChangeFanout, GraphQLEngine, type Caller } from './graphql-engine.ts';
import { attachStreamSockets } from './stream-sockets.ts';

export const AUTH_BASE = '/api/client/v2.0';

/** Options of {@link startLaneServer}. */
export interface LaneServerOptions {
  port?: number;
  appId?: string;
  accessTokenTtlSec?: number;
  refreshTokenTtlSec?: number;
  /** Largest request body / websocket message; default 1 MiB, as the reference server. */
  maxBodyBytes?: number;
  collections?: CollectionsConfig;
}

/** A running lane server and its operator calls. */
export interface LaneServer {
  httpUrl: string;
  authUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  appId: string;
  createUser(user: { username: string; password: string; customData?: Record<string, unknown> }): Promise<{ userId: string }>;
  revokeSessions(userId: string): Promise<void>;
  /** Drops the user's documents. */
  forgetDocuments(userId: string): Promise<void>;
  stats(): ServerStats;
  close(): Promise<void>;
}

interface User { id: string; username: string; passwordHash: Buffer; customData: Record<string, unknown> }
interface Session { userId: string; deviceId: string; revoked: boolean; expiresAt: number }

const hash = (password: string) => createHash('sha256').update(password).digest();
const authError = (status: number, errorCode: string, error: string) => new HttpError(status, { error, error_code: errorCode });

/**
 * Starts the lane server on 127.0.0.1.
 *
 * @example
 * const server = await startLaneServer();
 * await server.createUser({ username: 'ada@example.com', password: 'secret-1' });
 * await server.close();
 */
export async function startLaneServer(options: LaneServerOptions = {}): Promise<LaneServer> {
  const appId = options.appId ?? 'session-sync';
  const accessTtl = options.accessTokenTtlSec ?? 1800;
  const refreshTtl = options.refreshTokenTtlSec ?? 5_184_000;
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const collections = options.collections ?? DEFAULT_COLLECTIONS;
  const secret = randomBytes(32);
  const stats = emptyStats();
  const users = new Map<string, User>();
  const usersById = new Map<string, User>();
  const sessions = new Map<string, Session>();
  const store = new DocumentLog(Object.fromEntries(Object.entries(collections).map(([name, c]) => [name, Object.keys(c.fields)])));
  const engine = new GraphQLEngine(collections, store, new ChangeFanout(), stats);

  const sign = (claims: Record<string, unknown>, ttlSec: number) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + ttlSec).sign(secret);
  };
  const verify = async (token: string, typ: 'access' | 'refresh') => {
    try {
      const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp', 'iat'] });
      return payload.typ === typ ? (payload as { sub: string; exp: number; sid?: string }) : null;
    } catch {
      return null;
    }
  };
  // Verified access tokens, so a data request costs a map lookup (expiry still checked every time).
  const verified = new Map<string, Caller>();
  const authenticate = async (token: string): Promise<Caller | null> => {
    const known = verified.get(token);
    if (known) return known.exp * 1000 > Date.now() ? known : null;
    const claims = await verify(token, 'access');
    if (!claims) return null;
    if (verified.size >= 10_000) verified.clear();
    const caller = { userId: claims.sub, exp: claims.exp };
    verified.set(token, caller);
    return caller;
  };
  const accessToken = (user: User) => sign({ sub: user.id, typ: 'access', user_data: user.customData }, accessTtl);
  const session = async (req: IncomingMessage) => {
    const claims = await verify(bearerToken(req.headers.authorization) ?? '', 'refresh');
    const found = claims?.sid ? sessions.get(claims.sid) : undefined;
    if (!claims || !found || found.userId !== claims.sub) throw authError(401, 'InvalidSession', 'invalid session');
    return { sid: claims.sid!, session: found };
  };
  const stringFields = <K extends string>(body: unknown, names: readonly K[]): Record<K, string> => {
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    for (const name of names) if (typeof record[name] !== 'string' || record[name] === '') throw authError(400, 'BadRequest', `field "${name}" must be a non-empty string`);
    return record as Record<K, string>;
  };
  const createUser = async (input: { username: string; password: string; customData?: Record<string, unknown> }) => {
    if (users.has(input.username)) throw authError(409, 'AccountNameInUse', 'name already in use');
    const user: User = { id: randomBytes(12).toString('hex'), username: input.username, passwordHash: hash(input.password), customData: input.customData ?? {} };
    users.set(user.username, user);
    usersById.set(user.id, user);
    return { userId: user.id };
  };

  const provider = `${AUTH_BASE}/app/${appId}/auth/providers/local-userpass`;
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (applyCors(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    switch (`${req.method} ${path}`) {
      case 'POST /graphql': {
        const unauthenticated = (message: string) => {
          stats.graphqlAuthFailures += 1;
          sendJson(res, 401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
        };
        const token = bearerToken(req.headers.authorization);
        if (!token) return unauthenticated('missing Authorization: Bearer <access token>');
        const caller = await authenticate(token);
        if (!caller) return unauthenticated('access token rejected');
        let body: unknown;
        try {
          body = await readJsonBody(req, maxBodyBytes);
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] }, error.status === 413 ? { connection: 'close' } : {});
        }
        const { status, text } = await engine.run(body, caller);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        return void res.end(text);
      }
      case `POST ${provider}/login`: {
        const { username, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['username', 'password'] as const);
        const user = users.get(username);
        const given = hash(password);
        if (!user || !timingSafeEqual(user.passwordHash, given)) {
          stats.loginFailures += 1;
          throw authError(401, 'InvalidPassword', 'invalid username/password');
        }
        const sid = randomBytes(12).toString('hex');
        const deviceId = randomBytes(12).toString('hex');
        sessions.set(sid, { userId: user.id, deviceId, revoked: false, expiresAt: Date.now() + refreshTtl * 1000 });
        const [access, refresh] = await Promise.all([accessToken(user), sign({ sub: user.id, typ: 'refresh', sid, jti: randomUUID() }, refreshTtl)]);
        stats.logins += 1;
        return sendJson(res, 200, { access_token: access, refresh_token: refresh, user_id: user.id, device_id: deviceId });
      }
      case `POST ${provider}/register`: {
        const { email, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['email', 'password'] as const);
        await createUser({ username: email, password });
        stats.registrations += 1;
        return sendJson(res, 201, {});
      }
      case `POST ${AUTH_BASE}/auth/session`: {
        try {
          const { session: s } = await session(req);
          if (s.revoked) throw authError(401, 'InvalidSession', 'invalid session: session revoked');
          if (s.expiresAt <= Date.now()) throw authError(401, 'InvalidSession', 'invalid session: session expired');
          stats.refreshes += 1;
          return sendJson(res, 201, { access_token: await accessToken(usersById.get(s.userId)!) });
        } catch (error) {
          stats.refreshFailures += 1;
          throw error;
        }
      }
      case `DELETE ${AUTH_BASE}/auth/session`: {
        const { session: s } = await session(req);
        s.revoked = true;
        stats.logouts += 1;
        return sendJson(res, 204);
      }
      default:
        if (path?.startsWith(`${AUTH_BASE}/app/`) && !path.startsWith(`${AUTH_BASE}/app/${appId}/`)) {
          return sendJson(res, 404, { error: 'cannot find app', error_code: 'AppNotFound' });
        }
        return sendJson(res, 404, { error: `no route for ${req.method} ${path}`, error_code: 'NotFound' });
    }
  }

  const httpServer = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return sendJson(res, error.status, error.body, error.status === 413 ? { connection: 'close' } : {});
      sendJson(res, 500, { error: 'internal server error', error_code: 'InternalServerError' });
      process.stderr.write(`lane server: ${String(error)}\n`);
    });
  });
  httpServer.keepAliveTimeout = 60_000;
  const sockets = attachStreamSockets({ httpServer, path: '/graphql', engine, stats, authenticate, maxPayloadBytes: maxBodyBytes });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const httpUrl = `http://127.0.0.1:${port}`;
  return {
    httpUrl,
    authUrl: `${httpUrl}${AUTH_BASE}`,
    graphqlUrl: `${httpUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    appId,
    createUser,
    async revokeSessions(userId) {
      for (const s of sessions.values()) if (s.userId === userId) s.revoked = true;
    },
    async forgetDocuments(userId) {
      store.forget(userId);
    },
    stats: () => ({ ...stats }),
    async close() {
      sockets.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
