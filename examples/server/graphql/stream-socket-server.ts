import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { execute, parse, subscribe, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthService, AuthenticatedUser } from '../auth/auth-service.ts';
import { TokenRejected } from '../auth/token-signer.ts';
import type { ServerClock } from '../clock.ts';
import { bearerToken } from '../http/bearer-token.ts';
import type { ServerStats } from '../stats.ts';
import type { SyncContext } from './sync-resolvers.ts';

/** Close code graphql-ws clients treat as fatal "Unauthorized": they must refresh and reconnect. */
export const UNAUTHORIZED = 4401;

export interface StreamSocketDeps {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  rootValue: unknown;
  auth: AuthService;
  clock: ServerClock;
  stats: ServerStats;
  maxPayloadBytes: number;
}

/** The bearer token from `connectionParams.authorization` (or RxDB's `connectionParams.headers.Authorization`). */
function tokenOf(params: Record<string, unknown> | undefined): string | null {
  const headers = params?.headers as Record<string, unknown> | undefined;
  const header = params?.authorization ?? params?.Authorization ?? headers?.authorization ?? headers?.Authorization;
  return bearerToken(typeof header === 'string' ? header : undefined);
}

/**
 * graphql-ws on the HTTP server's port and path. The access token is checked at connect, and a socket
 * is closed with 4401 the moment its token expires on the server clock (shifts included).
 *
 * @example
 * const streams = attachStreamSockets({ httpServer, path: '/graphql', schema, rootValue, auth, clock, stats, maxPayloadBytes: 1_048_576 });
 * await streams.close();
 */
export function attachStreamSockets(deps: StreamSocketDeps): { close(): Promise<void> } {
  const { httpServer, path, schema, rootValue, auth, clock, stats } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayloadBytes });
  const users = new WeakMap<WebSocket, AuthenticatedUser>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  httpServer.on('upgrade', onUpgrade);

  const closeUnauthorized = (ws: WebSocket, reason: string) => {
    stats.streamAuthCloses += 1;
    ws.close(UNAUTHORIZED, reason);
  };

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

  const graphqlWs = useServer<Record<string, unknown>, { socket: WebSocket }>({
    schema,
    // Our own graphql functions: a bundler or test runner may load a second copy of graphql for graphql-ws.
    parse, validate, execute, subscribe,
    roots: { query: rootValue as Record<string, never>, mutation: rootValue as Record<string, never>, subscription: rootValue as Record<string, never> },
    onConnect: async (ctx) => {
      const ws = ctx.extra.socket;
      const token = tokenOf(ctx.connectionParams);
      // Closing with 4401 first makes graphql-ws's own 4403 a no-op.
      if (!token) {
        closeUnauthorized(ws, 'missing connectionParams.authorization');
        return false;
      }
      try {
        const user = await auth.authenticate(token);
        users.set(ws, user);
        stats.streamConnects += 1;
        watchExpiry(ws, user.exp);
        return true;
      } catch (error) {
        if (!(error instanceof TokenRejected)) throw error;
        closeUnauthorized(ws, `access token rejected: ${error.message}`);
        return false;
      }
    },
    context: (ctx): SyncContext => {
      const user = users.get(ctx.extra.socket);
      if (!user) throw new Error('unauthenticated socket');
      return { user, refusals: [] };
    },
  }, wss);

  return {
    async close() {
      httpServer.off('upgrade', onUpgrade);
      await graphqlWs.dispose();
    },
  };
}
