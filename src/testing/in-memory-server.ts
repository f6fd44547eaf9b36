import { Kind, parse, valueFromASTUntyped, type DocumentNode, type FieldNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { jwtVerify, SignJWT } from 'jose';
import { graphQLTypeName } from '../sync/graphql-operations.ts';
import { InMemoryDocuments } from './in-memory-documents.ts';
import type { InMemoryBackup, InMemoryDocument, InMemoryPushRow } from './in-memory-documents.ts';

export type { InMemoryBackup, InMemoryDocument } from './in-memory-documents.ts';

// The contract of docs/wire-protocol.md in memory, as a fetch-style handler: no node:* import, so
// this file runs wherever `fetch`, `Request` and WebCrypto exist. The loopback HTTP listener that
// real clients talk to is in-memory-http-server.ts (Node-only).

/** Options of {@link createInMemoryServer}; every one has a default. */
export interface InMemoryServerOptions {
  /** App id in the auth URLs. Default `session-sync`, as the reference server's. */
  appId?: string;
  /** Access token lifetime. Default 1800 s. */
  accessTokenTtlSec?: number;
  /** Refresh token lifetime. Default 60 days. */
  refreshTokenTtlSec?: number;
}

/** Request counters of the in-memory server: `server.stats()`. */
export interface InMemoryServerStats {
  logins: number;
  loginFailures: number;
  refreshes: number;
  refreshFailures: number;
  logouts: number;
  pulls: number;
  pushes: number;
  pushedDocuments: number;
  conflicts: number;
  /** GraphQL requests refused as unauthenticated (401, or 200 + `UNAUTHENTICATED`). */
  graphqlAuthFailures: number;
  /** Requests answered 429 by `rateLimit`. */
  rateLimited: number;
  /** Pulls or pushes failed whole by `failBatches`. */
  failedBatches: number;
  /** Responses applied and then dropped by `dropResponses`. */
  droppedResponses: number;
  /** Requests that met a server that was down (`goDown`). */
  refusedWhileDown: number;
}

/** How `failBatches` fails the next requests. */
export interface FailBatchesOptions {
  /** Answer with this HTTP status (e.g. 500, 503). */
  status?: number;
  /** Or answer 200 with this GraphQL error and no data. */
  graphqlError?: { message: string; code?: string };
  /** How many requests to fail. */
  count: number;
  /** Which operations. Default `push`. */
  operation?: 'push' | 'pull' | 'any';
}

/** A fault knob's answer to a request in place of the contract's: `drop` and `down` carry none. */
export type InMemoryAnswer =
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: string }
  | { kind: 'drop' }
  | { kind: 'down' };

/** The in-memory server's data and fault knobs, shared by its fetch handler and its HTTP listener. */
export interface InMemoryServerControls {
  readonly appId: string;
  /** Adds an account that can log in at once; resolves with its id. */
  createUser(user: { username: string; password: string; customData?: Record<string, unknown> }): Promise<{ userId: string }>;
  /** Ends every session of the user as revoked: refresh answers 401 `InvalidSession`, access tokens 401. */
  revokeSessions(userId: string): Promise<void>;
  /** Ends every session of the user as if its refresh token ran out: answered like `revokeSessions`. */
  expireSession(userId: string): Promise<void>;
  /** Refuses the user's access tokens issued so far (401); refreshes still work, so the client refreshes once and replays. */
  expireAccessTokens(userId: string): Promise<void>;
  /** Moves the server clock by `ms`: tokens and `updatedAt` follow it (a positive shift expires tokens). */
  shiftClock(ms: number): void;
  /** Answers unauthenticated GraphQL requests `200` with `errors[].extensions.code = "UNAUTHENTICATED"` instead of 401. */
  answerUnauthenticatedWith200(on?: boolean): void;
  /** Answers the next `count` requests (auth and GraphQL; all of them while `count` is unset) 429 with `Retry-After`; `null` stops. */
  rateLimit(limit: { retryAfterSec: number; count?: number } | null): void;
  /** Fails the next `count` pulls or pushes as a whole, with an HTTP status or a GraphQL error. */
  failBatches(options: FailBatchesOptions): void;
  /** Applies the next `count` GraphQL requests, then drops their responses (the connection is cut). */
  dropResponses(count: number): void;
  /** The server goes away: every request fails at the network level (open connections are cut). */
  goDown(): void;
  /** The server is back. */
  comeBack(): void;
  readonly isDown: boolean;
  /**
   * A snapshot of every user's documents, for `restore`; users and sessions are not in it.
   *
   * @example
   * ```ts
   * const backup = server.backup();
   * await client.collections.todo.insert({ id: 'b', title: 'after the backup', done: false });
   * await client.awaitInSync();
   * server.restore(backup); // 'b' is lost: the client's next pull finds its checkpoint unknown and re-pushes it
   * ```
   */
  backup(): InMemoryBackup;
  /**
   * Puts the documents back as `backup` holds them, as a server restored from a backup older than a
   * client's checkpoint: pulls from a checkpoint it no longer knows are answered from before it, so
   * the client runs a client reset. Sessions and tokens keep working, so a test exercises the reset,
   * not a relogin. Throws for a backup of another server.
   *
   * @example
   * ```ts
   * server.restore(backup);
   * await eventually(async () => (await server.readDocuments(userId, 'todo')).some((d) => d.id === 'b')); // re-pushed by the client reset
   * ```
   */
  restore(backup: InMemoryBackup): void;
  /** The user's documents in a collection, deleted ones included, in pull order. */
  readDocuments(userId: string, collection: string): Promise<InMemoryDocument[]>;
  /** A snapshot of the request counters. */
  stats(): InMemoryServerStats;
  /** Calls `listener` on `goDown` (the HTTP listener cuts its connections). Returns the unsubscribe function. */
  onDown(listener: () => void): () => void;
  /**
   * Answers one request by the contract and the knobs. `path` is the URL's path; `drop` and `down`
   * say the connection should be cut instead.
   */
  answer(request: { method: string; path: string; headers: Record<string, string | undefined>; body: string }): Promise<InMemoryAnswer>;
}

/**
 * An in-memory server without a listener: the controls plus `fetch`, a `fetch` function that
 * answers from memory (pass it as the client's `fetch`). Platform-neutral.
 */
export interface InMemoryServerCore extends InMemoryServerControls {
  /** Answers like the server would over HTTP; rejects with a `TypeError` when down or dropped, as `fetch` does. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

/** Where the auth routes live, as on the reference server: `appServicesAuth`'s `baseUrl` is the origin plus this. */
export const AUTH_BASE = '/api/client/v2.0';

interface User {
  userId: string;
  username: string;
  password: string;
  customData: Record<string, unknown>;
  /** Access tokens of an older generation are refused (`expireAccessTokens`). */
  accessGeneration: number;
}

interface Session {
  userId: string;
  ended: null | 'revoked' | 'expired';
}

interface GraphQLBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

class Refusal extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): InMemoryAnswer => ({
  kind: 'answer',
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: body === undefined ? '' : JSON.stringify(body),
});

const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, accept',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-expose-headers': 'retry-after, date',
};

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function zeroStats(): InMemoryServerStats {
  return {
    logins: 0, loginFailures: 0, refreshes: 0, refreshFailures: 0, logouts: 0, pulls: 0, pushes: 0, pushedDocuments: 0,
    conflicts: 0, graphqlAuthFailures: 0, rateLimited: 0, failedBatches: 0, droppedResponses: 0, refusedWhileDown: 0,
  };
}

/**
 * Creates the in-memory server's state and handler, without listening anywhere: App Services–style
 * auth (login, refresh, logout, profile) with HS256 JWTs, and GraphQL pull/push of any collection in
 * the default convention (docs/wire-protocol.md), per user. Platform-neutral; `startInMemoryServer`
 * puts it on a loopback port.
 *
 * @example
 * ```ts
 * const server = createInMemoryServer();
 * const client = createSyncClient({ auth: appServicesAuth({ baseUrl: 'http://server.test/api/client/v2.0', appId: server.appId }),
 *   graphql: { url: 'http://server.test/graphql' }, fetch: server.fetch, collections: { todo: { schema: todoSchema } } });
 * ```
 */
export function createInMemoryServer(options: InMemoryServerOptions = {}): InMemoryServerCore {
  const appId = options.appId ?? 'session-sync';
  const accessTtlSec = options.accessTokenTtlSec ?? 1800;
  const refreshTtlSec = options.refreshTokenTtlSec ?? 5_184_000;
  const key = crypto.getRandomValues(new Uint8Array(32));
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const users = new Map<string, User>();
  const byName = new Map<string, User>();
  const sessions = new Map<string, Session>();
  const documents = new InMemoryDocuments(now);
  let stats = zeroStats();
  let unauthenticatedWith200 = false;
  let limit: { retryAfterSec: number; count?: number } | null = null;
  let failing: (FailBatchesOptions & { left: number }) | null = null;
  let drops = 0;
  let down = false;
  const downListeners = new Set<() => void>();

  const sign = (claims: Record<string, unknown>, ttlSec: number): Promise<string> => {
    const iat = Math.floor(now() / 1000);
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + ttlSec).sign(key);
  };

  const accessTokenOf = (user: User, sid: string): Promise<string> =>
    sign({ sub: user.userId, sid, typ: 'access', gen: user.accessGeneration, user_data: user.customData }, accessTtlSec);

  /** The user and session of a valid token of `typ`, or a Refusal saying why not. */
  const verify = async (token: string | null, typ: 'access' | 'refresh'): Promise<{ user: User; sid: string }> => {
    if (!token) throw new Refusal(401, 'InvalidSession', `invalid session: missing Authorization: Bearer <${typ} token>`);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, { currentDate: new Date(now()), algorithms: ['HS256'] }));
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new Refusal(401, 'InvalidSession', expired ? `invalid session: ${typ} token expired` : `invalid session: ${typ} token invalid`);
    }
    const sid = typeof payload['sid'] === 'string' ? payload['sid'] : '';
    const session = sessions.get(sid);
    const user = typeof payload.sub === 'string' ? users.get(payload.sub) : undefined;
    if (payload['typ'] !== typ || !session || !user) throw new Refusal(401, 'InvalidSession', `invalid session: not a ${typ} token`);
    if (session.ended) throw new Refusal(401, 'InvalidSession', `invalid session: ${session.ended === 'revoked' ? 'revoked' : 'expired'}`);
    if (typ === 'access' && payload['gen'] !== user.accessGeneration) {
      throw new Refusal(401, 'InvalidSession', 'invalid session: access token expired');
    }
    return { user, sid };
  };

  const bearerOf = (headers: Record<string, string | undefined>): string | null => {
    const match = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '');
    return match?.[1]?.trim() ?? null;
  };

  const endSessions = (userId: string, how: 'revoked' | 'expired'): void => {
    for (const session of sessions.values()) if (session.userId === userId && !session.ended) session.ended = how;
  };

  // ── auth ────────────────────────────────────────────────────────────────────────────────────────
  const provider = new RegExp(`^${AUTH_BASE}/app/([^/]+)/auth/providers/local-userpass/(login|register)$`);

  async function auth(method: string, path: string, headers: Record<string, string | undefined>, body: string): Promise<InMemoryAnswer | null> {
    const match = provider.exec(path);
    if (match && method === 'POST') {
      if (decodeURIComponent(match[1]!) !== appId) {
        return json(404, { error: `cannot find app using Client App ID '${match[1]}'`, error_code: 'AppNotFound' });
      }
      const fields = parseObject(body);
      if (match[2] === 'register') {
        const email = fields['email'];
        const password = fields['password'];
        if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
          return json(400, { error: 'expected { email, password }', error_code: 'BadRequest' });
        }
        if (byName.has(email.toLowerCase())) return json(409, { error: 'name already in use', error_code: 'AccountNameInUse' });
        addUser({ username: email, password });
        return json(201, {});
      }
      const username = typeof fields['username'] === 'string' ? fields['username'].toLowerCase() : '';
      const user = byName.get(username);
      if (!user || user.password !== fields['password']) {
        stats.loginFailures += 1;
        return json(401, { error: 'invalid username/password', error_code: 'InvalidPassword' });
      }
      const sid = randomHex(12);
      sessions.set(sid, { userId: user.userId, ended: null });
      stats.logins += 1;
      return json(200, {
        access_token: await accessTokenOf(user, sid),
        refresh_token: await sign({ sub: user.userId, sid, typ: 'refresh' }, refreshTtlSec),
        user_id: user.userId,
        device_id: randomHex(12),
      });
    }
    if (path === `${AUTH_BASE}/auth/session`) {
      if (method === 'POST') {
        try {
          const { user, sid } = await verify(bearerOf(headers), 'refresh');
          stats.refreshes += 1;
          return json(201, { access_token: await accessTokenOf(user, sid) });
        } catch (error) {
          stats.refreshFailures += 1;
          throw error;
        }
      }
      if (method === 'DELETE') {
        const token = bearerOf(headers);
        try {
          const { sid } = await verify(token, 'refresh');
          sessions.get(sid)!.ended = 'revoked';
        } catch {
          // Logout never fails.
        }
        stats.logouts += 1;
        return { kind: 'answer', status: 204, headers: {}, body: '' };
      }
    }
    if (path === `${AUTH_BASE}/auth/profile` && method === 'GET') {
      const { user } = await verify(bearerOf(headers), 'access');
      return json(200, {
        user_id: user.userId,
        domain_id: randomHex(12),
        type: 'normal',
        identities: [{ id: user.userId, provider_type: 'local-userpass' }],
        data: { email: user.username },
        custom_data: user.customData,
      });
    }
    if (method === 'GET' && path === `${AUTH_BASE}/app/${appId}/location`) {
      return json(200, { deployment_model: 'LOCAL', location: 'local', hostname: '', ws_hostname: '' });
    }
    return null;
  }

  function addUser(input: { username: string; password: string; customData?: Record<string, unknown> }): User {
    const user: User = {
      userId: randomHex(12),
      username: input.username.toLowerCase(),
      password: input.password,
      customData: { ...(input.customData ?? {}) },
      accessGeneration: 0,
    };
    users.set(user.userId, user);
    byName.set(user.username, user);
    return user;
  }

  // ── GraphQL ─────────────────────────────────────────────────────────────────────────────────────
  async function graphql(headers: Record<string, string | undefined>, body: string): Promise<InMemoryAnswer> {
    let user: User;
    try {
      ({ user } = await verify(bearerOf(headers), 'access'));
    } catch (error) {
      stats.graphqlAuthFailures += 1;
      const errors = [{ message: `access token rejected: ${(error as Error).message}`, extensions: { code: 'UNAUTHENTICATED' } }];
      return unauthenticatedWith200 ? json(200, { data: null, errors }) : json(401, { errors }, { 'www-authenticate': 'Bearer' });
    }
    let request: GraphQLBody;
    let document: DocumentNode;
    try {
      request = parseObject(body) as GraphQLBody;
      if (typeof request.query !== 'string') throw new Error('expected a "query" string');
      document = parse(request.query);
    } catch (error) {
      return json(400, { errors: [{ message: (error as Error).message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    }
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION && (typeof request.operationName !== 'string' || d.name?.value === request.operationName),
    );
    if (!operation || operation.operation === 'subscription') {
      return json(400, { errors: [{ message: 'expected a query or mutation (this server has no live stream)', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const variables = (typeof request.variables === 'object' && request.variables !== null ? request.variables : {}) as Record<string, unknown>;
    const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
    const kinds = fields.map((f) => /^(pull|push)[A-Z]/.exec(f.name.value)?.[1] as 'pull' | 'push' | undefined);

    if (failing && failing.left > 0 && kinds.some((k) => k && (failing!.operation === 'any' || (failing!.operation ?? 'push') === k))) {
      failing.left -= 1;
      stats.failedBatches += 1;
      const f = failing;
      if (f.left === 0) failing = null;
      if (f.status !== undefined) return json(f.status, { errors: [{ message: `failed by failBatches (${f.status})` }] });
      return json(200, { data: null, errors: [{ message: f.graphqlError?.message ?? 'failed by failBatches', extensions: { code: f.graphqlError?.code ?? 'INTERNAL_SERVER_ERROR' } }] });
    }

    const data: Record<string, unknown> = {};
    const errors: unknown[] = [];
    for (const [i, field] of fields.entries()) {
      const responseKey = field.alias?.value ?? field.name.value;
      const args: Record<string, unknown> = {};
      for (const arg of field.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value, variables);
      const typeName = field.name.value.slice(4);
      const kind = kinds[i];
      if (kind === 'pull') data[responseKey] = project(pull(user.userId, typeName, args), field.selectionSet);
      else if (kind === 'push') data[responseKey] = project(push(user.userId, typeName, args), field.selectionSet);
      else if (field.name.value === '__typename') data[responseKey] = operation.operation === 'query' ? 'Query' : 'Mutation';
      else errors.push({ message: `Cannot query field "${field.name.value}"`, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
    if (drops > 0) {
      drops -= 1;
      stats.droppedResponses += 1;
      return { kind: 'drop' };
    }
    return json(200, errors.length ? { data, errors } : { data });
  }

  function pull(userId: string, typeName: string, args: Record<string, unknown>): unknown {
    stats.pulls += 1;
    const checkpoint = args['checkpoint'] as { id?: unknown; updatedAt?: unknown } | null | undefined;
    const after = checkpoint ? { id: String(checkpoint.id ?? ''), updatedAt: Number(checkpoint.updatedAt ?? -1) } : null;
    return documents.pull(userId, typeName, after, typeof args['limit'] === 'number' ? args['limit'] : 1000);
  }

  function push(userId: string, typeName: string, args: Record<string, unknown>): unknown {
    stats.pushes += 1;
    const rows = Array.isArray(args['rows']) ? (args['rows'] as InMemoryPushRow[]) : [];
    const { conflicts, written } = documents.push(userId, typeName, rows);
    stats.pushedDocuments += written;
    stats.conflicts += conflicts.length;
    return conflicts;
  }

  // ── the request ─────────────────────────────────────────────────────────────────────────────────
  async function answer(request: { method: string; path: string; headers: Record<string, string | undefined>; body: string }): Promise<InMemoryAnswer> {
    if (down) {
      stats.refusedWhileDown += 1;
      return { kind: 'down' };
    }
    const { method, path, headers, body } = request;
    if (method === 'OPTIONS') return { kind: 'answer', status: 204, headers: { ...CORS }, body: '' };
    const withCors = (a: InMemoryAnswer): InMemoryAnswer => (a.kind === 'answer' ? { ...a, headers: { ...CORS, ...a.headers } } : a);
    if (limit && (limit.count === undefined || limit.count > 0)) {
      if (limit.count !== undefined) limit.count -= 1;
      stats.rateLimited += 1;
      return withCors(json(429, { error: 'too many requests', error_code: 'TooManyRequests' }, { 'retry-after': String(limit.retryAfterSec) }));
    }
    try {
      if (path === '/graphql') {
        if (method !== 'POST') return withCors(json(405, { error: `method ${method} not allowed on ${path}`, error_code: 'MethodNotAllowed' }));
        return withCors(await graphql(headers, body));
      }
      return withCors((await auth(method, path, headers, body)) ?? json(404, { error: `no route for ${path}`, error_code: 'NotFound' }));
    } catch (error) {
      if (error instanceof Refusal) return withCors(json(error.status, { error: error.message, error_code: error.errorCode }));
      return withCors(json(500, { error: String(error), error_code: 'InternalServerError' }));
    }
  }

  const core: InMemoryServerCore = {
    appId,
    async createUser(user) {
      if (byName.has(user.username.toLowerCase())) throw new Error(`user "${user.username}" exists`);
      return { userId: addUser(user).userId };
    },
    async revokeSessions(userId) {
      endSessions(userId, 'revoked');
    },
    async expireSession(userId) {
      endSessions(userId, 'expired');
    },
    async expireAccessTokens(userId) {
      const user = users.get(userId);
      if (user) user.accessGeneration += 1;
    },
    shiftClock(ms) {
      offsetMs += ms;
    },
    answerUnauthenticatedWith200(on = true) {
      unauthenticatedWith200 = on;
    },
    rateLimit(next) {
      limit = next ? { ...next } : null;
    },
    failBatches(next) {
      failing = next.count > 0 ? { ...next, left: next.count } : null;
    },
    dropResponses(count) {
      drops = Math.max(0, count);
    },
    goDown() {
      down = true;
      for (const listener of downListeners) listener();
    },
    comeBack() {
      down = false;
    },
    get isDown() {
      return down;
    },
    backup: () => documents.backup(now()),
    restore: (backup) => documents.restore(backup),
    async readDocuments(userId, collection) {
      return documents.read(userId, graphQLTypeName(collection));
    },
    stats: () => ({ ...stats }),
    onDown(listener) {
      downListeners.add(listener);
      return () => downListeners.delete(listener);
    },
    answer,
    async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
      const request = new Request(input, init);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => (headers[name] = value));
      const result = await answer({ method: request.method, path: new URL(request.url).pathname, headers, body: await request.text() });
      if (result.kind !== 'answer') throw new TypeError(result.kind === 'down' ? 'fetch failed: the server is down' : 'fetch failed: the response was dropped');
      return new Response(result.status === 204 ? null : result.body, { status: result.status, headers: result.headers });
    },
  };
  return core;
}

function parseObject(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body || 'null');
  } catch {
    throw new Refusal(400, 'BadRequest', 'expected a JSON body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(400, 'BadRequest', 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** The value cut down to what the selection set asks for (nested objects and lists included). */
function project(value: unknown, selection: SelectionSetNode | undefined): unknown {
  if (!selection || value === null || value === undefined) return value ?? null;
  if (Array.isArray(value)) return value.map((v) => project(v, selection));
  if (typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const s of selection.selections) {
    if (s.kind !== Kind.FIELD) continue;
    const key = s.alias?.value ?? s.name.value;
    out[key] = project(source[s.name.value], s.selectionSet);
  }
  return out;
}
