import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { execute, subscribe, type ExecutionArgs, type GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthService, AuthenticatedUser } from '../auth/auth-service.ts';
import { TokenRejected } from '../auth/token-signer.ts';
import type { ServerClock } from '../clock.ts';
import { bearerToken } from '../http/bearer-token.ts';
import type { ServerLogger } from '../server-logger.ts';
import type { ServerStats } from '../stats.ts';
import { OpenSockets } from './open-sockets.ts';
import { admitOperation, isTooLarge, prepareOperations } from './operation-bounds.ts';
import type { SyncContext } from './sync-resolvers.ts';

/** Close code graphql-ws clients treat as fatal "Unauthorized": they must refresh and reconnect. */
export const UNAUTHORIZED = 4401;
/**
 * Close code of a socket over {@link MAX_SOCKETS_PER_USER}. graphql-ws clients treat it as fatal and
 * stop; session-sync's client reports a protocol failure and retries with backoff.
 */
export const TOO_MANY_SOCKETS = 4429;
/** Open sockets per user in one server process; a device needs one. */
export const MAX_SOCKETS_PER_USER = 16;
/** Subscriptions open at once on one socket; session-sync's client opens one. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 16;
/** `extensions.code` of a subscription refused for being one too many on its socket. */
export const TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS';
/** graphql-ws's close code for a server fault. */
const INTERNAL_SERVER_ERROR = 4500;

export interface StreamSocketDeps {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  rootValue: unknown;
  auth: AuthService;
  clock: ServerClock;
  stats: ServerStats;
  logger: ServerLogger;
  maxPayloadBytes: number;
}

// graphql-ws tells a refusal from execution arguments with `instanceof GraphQLError`, against the
// graphql it imports itself: Node resolves that to the CommonJS build, while a test runner may hand
// this file the ESM build, another class. So refusals are rebuilt from the class require() gives.
const { GraphQLError: GraphQLWsError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const forGraphQLWs = (errors: readonly GraphQLError[]): GraphQLError[] =>
  errors.map((error) => new GraphQLWsError(error.message, { source: error.source, positions: error.positions, extensions: error.extensions }));

const refusal = (message: string, code: string): GraphQLError => new GraphQLWsError(message, { extensions: { code } });

/** The bearer token from `connectionParams.authorization` (or RxDB's `connectionParams.headers.Authorization`). */
function tokenOf(params: Record<string, unknown> | undefined): string | null {
  const headers = params?.headers as Record<string, unknown> | undefined;
  const header = params?.authorization ?? params?.Authorization ?? headers?.authorization ?? headers?.Authorization;
  return bearerToken(typeof header === 'string' ? header : undefined);
}

/**
 * graphql-ws on the HTTP server's port and path, for subscriptions only. The access token is checked
 * at connect; a socket is closed with 4401 the moment its token expires on the server clock (shifts
 * included) or its session is revoked, in this process or another on the same database. Every
 * subscription passes the same bounds as an HTTP operation ({@link prepareOperations},
 * {@link admitOperation}), and at most {@link MAX_SUBSCRIPTIONS_PER_SOCKET} run on one socket.
 *
 * A refused subscription gets graphql-ws's `error` message for its id: it ends that subscription
 * alone, and the socket goes on serving the others. A socket over {@link MAX_SOCKETS_PER_USER} is
 * closed with {@link TOO_MANY_SOCKETS} instead: nothing on it is worth keeping.
 *
 * @example
 * const streams = attachStreamSockets({ httpServer, path: '/graphql', schema, rootValue, auth, clock, stats, logger, maxPayloadBytes: 1_048_576 });
 * await streams.close();
 */
export function attachStreamSockets(deps: StreamSocketDeps): { close(): Promise<void> } {
  const { httpServer, path, schema, rootValue, auth, clock, stats, logger, maxPayloadBytes } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPayloadBytes });
  const sockets = new OpenSockets<WebSocket>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  httpServer.on('upgrade', onUpgrade);

  const closeUnauthorized = (ws: WebSocket, reason: string) => {
    stats.streamAuthCloses += 1;
    ws.close(UNAUTHORIZED, reason);
  };

  const stopRevocations = auth.onRevoked((revoked) => {
    for (const ws of sockets.matching(revoked)) closeUnauthorized(ws, 'session revoked');
  });

  const watchExpiry = (ws: WebSocket, exp: number) => {
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      clearTimeout(timer);
      const left = exp * 1000 - clock.now();
      if (left <= 0) return closeUnauthorized(ws, 'access token expired');
      timer = setTimeout(check, Math.min(left, 2 ** 31 - 1));
    };
    const stopWatching = clock.onShift(check);
    ws.once('close', () => {
      clearTimeout(timer);
      stopWatching();
    });
    check();
  };

  /** The user, or null once the socket is closed (with 4401, 4429 or 4500, saying why). */
  const admitSocket = async (ws: WebSocket, token: string | null): Promise<AuthenticatedUser | null> => {
    if (!token) {
      closeUnauthorized(ws, 'missing connectionParams.authorization');
      return null;
    }
    let user: AuthenticatedUser;
    try {
      user = await auth.authenticate(token);
    } catch (error) {
      if (error instanceof TokenRejected) {
        closeUnauthorized(ws, `access token rejected: ${error.message}`);
      } else {
        // Thrown on, it would reach graphql-ws, which prints it with console.error.
        logger.error('websocket connect failed', { error: String(error) });
        ws.close(INTERNAL_SERVER_ERROR, 'internal server error');
      }
      return null;
    }
    // Closed while authenticating: it would never leave the registry.
    if (ws.readyState !== ws.OPEN) return null;
    if (sockets.countOf(user.userId) >= MAX_SOCKETS_PER_USER) {
      stats.refusedStreamSockets += 1;
      ws.close(TOO_MANY_SOCKETS, `this user has ${MAX_SOCKETS_PER_USER} sockets open; at most ${MAX_SOCKETS_PER_USER} at a time`);
      return null;
    }
    return user;
  };

  const graphqlWs = useServer<Record<string, unknown>, { socket: WebSocket }>({
    schema,
    // Our own graphql functions: a bundler or test runner may load a second copy of graphql for graphql-ws.
    execute, subscribe,
    roots: { subscription: rootValue as Record<string, never> },
    onConnect: async (ctx) => {
      const ws = ctx.extra.socket;
      // Closing with our code first makes graphql-ws's own 4403 a no-op.
      const user = await admitSocket(ws, tokenOf(ctx.connectionParams));
      if (!user) return false;
      sockets.add(ws, user);
      ws.once('close', () => sockets.delete(ws));
      stats.streamConnects += 1;
      watchExpiry(ws, user.exp);
      return true;
    },
    onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
      // Invalid GraphQL is refused too, but only bounds and transport rules count as refused operations.
      const refuse = (errors: readonly GraphQLError[], byBound: boolean) => {
        if (byBound) stats.refusedOperations += 1;
        return forGraphQLWs(errors);
      };
      // graphql-ws has already entered this subscription's id.
      if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
        const message = `this socket has ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions open; at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} at a time`;
        return refuse([refusal(message, TOO_MANY_SUBSCRIPTIONS)], true);
      }
      const document = prepareOperations(schema, payload.query);
      if (!('kind' in document)) return refuse(document, isTooLarge(document));
      const operationName = payload.operationName ?? undefined;
      const variableValues = payload.variables ?? undefined;
      const operation = admitOperation(schema, document, operationName, variableValues);
      if (!('kind' in operation)) return refuse(operation, isTooLarge(operation));
      if (operation.operation !== 'subscription') {
        const what = operation.operation === 'query' ? 'queries' : 'mutations';
        return refuse([refusal(`${what} go over HTTP: POST them to ${path}; this websocket carries subscriptions only`, 'BAD_REQUEST')], true);
      }
      return { schema, document, operationName, variableValues };
    },
    context: (ctx): SyncContext => {
      const user = sockets.userOf(ctx.extra.socket);
      if (!user) throw new Error('unauthenticated socket');
      return { user, refusals: [], announceLive: ctx.connectionParams?.['announceLive'] === true };
    },
  }, wss);

  // graphql-ws prints every socket error with console.error and its stack. A server-side socket emits
  // one only for a frame ws refused (over maxPayload, malformed) or could not send, and ws has closed
  // it already (1009 for an oversized frame): one warn line through the server's logger says so instead.
  // Registered after useServer, so it runs after graphql-ws has added its listener.
  wss.on('connection', (ws: WebSocket) => {
    ws.removeAllListeners('error');
    ws.on('error', (error: Error & { code?: string }) => {
      const userId = sockets.userOf(ws)?.userId;
      if (error.code?.startsWith('WS_ERR_')) {
        stats.refusedFrames += 1;
        logger.warn('websocket frame refused', { limit: maxPayloadBytes, reason: error.message, code: error.code, ...(userId ? { userId } : {}) });
      } else {
        logger.warn('websocket failed', { reason: error.message, ...(userId ? { userId } : {}) });
      }
    });
  });

  return {
    async close() {
      stopRevocations();
      httpServer.off('upgrade', onUpgrade);
      await graphqlWs.dispose();
    },
  };
}
