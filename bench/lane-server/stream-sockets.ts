// graphql-ws ("graphql-transport-ws") on the lane server's HTTP port and path, written out directly:
// connection_init (token in connectionParams.authorization, or RxDB's connectionParams.headers),
// ping/pong, subscribe/next/error/complete. Close codes as graphql-ws: 4400 bad message, 4401 no or
// bad token, 4403 subscribe before ack, 4408 no init in time, 4409 duplicate id, 4429 second init.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ServerStats } from '../../examples/server/stats.ts';
import type { Caller, GraphQLEngine } from './graphql-engine.ts';

const PROTOCOL = 'graphql-transport-ws';

/** The bearer token of graphql-ws connection params, or null. */
function tokenOf(params: unknown): string | null {
  const p = (params ?? {}) as Record<string, unknown>;
  const headers = (p.headers ?? {}) as Record<string, unknown>;
  const header = p.authorization ?? p.Authorization ?? headers.authorization ?? headers.Authorization;
  if (typeof header !== 'string') return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

/**
 * Attaches the stream sockets; `authenticate` verifies an access token (null when refused).
 *
 * @example
 * const sockets = attachStreamSockets({ httpServer, path: '/graphql', engine, stats, authenticate, maxPayloadBytes });
 */
export function attachStreamSockets(deps: {
  httpServer: Server;
  path: string;
  engine: GraphQLEngine;
  stats: ServerStats;
  authenticate(token: string): Promise<Caller | null>;
  maxPayloadBytes: number;
}): { close(): void } {
  const { engine, stats } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.maxPayloadBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== deps.path) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  };
  deps.httpServer.on('upgrade', onUpgrade);

  function serve(ws: WebSocket): void {
    let user: Caller | null = null;
    let initialised = false;
    const subscriptions = new Map<string, () => void>();
    const initTimer = setTimeout(() => user === null && ws.close(4408, 'connection initialisation timeout'), 10_000);
    let expiryTimer: NodeJS.Timeout | undefined;
    const send = (message: string) => ws.readyState === ws.OPEN && ws.send(message);
    const unauthorized = (reason: string) => {
      stats.streamAuthCloses += 1;
      ws.close(4401, reason);
    };
    ws.on('close', () => {
      clearTimeout(initTimer);
      clearTimeout(expiryTimer);
      for (const stop of subscriptions.values()) stop();
      subscriptions.clear();
    });
    ws.on('message', (raw: RawData) => {
      let message: { type?: unknown; id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(raw.toString()) as typeof message;
      } catch {
        return ws.close(4400, 'invalid message received');
      }
      switch (message.type) {
        case 'connection_init': {
          if (initialised) return ws.close(4429, 'too many initialisation requests');
          initialised = true;
          const token = tokenOf((message.payload as Record<string, unknown> | undefined) ?? undefined);
          if (!token) return unauthorized('missing connectionParams.authorization');
          void deps.authenticate(token).then((caller) => {
            if (!caller) return unauthorized('access token rejected');
            user = caller;
            stats.streamConnects += 1;
            expiryTimer = setTimeout(() => unauthorized('access token expired'), Math.max(0, Math.min(caller.exp * 1000 - Date.now(), 2 ** 31 - 1)));
            send('{"type":"connection_ack"}');
          });
          return;
        }
        case 'ping':
          return void send('{"type":"pong"}');
        case 'pong':
          return;
        case 'subscribe': {
          if (!user) return ws.close(4401, 'unauthorized');
          const id = message.id;
          if (typeof id !== 'string' || id === '') return ws.close(4400, 'invalid subscribe message');
          if (subscriptions.has(id)) return ws.close(4409, `subscriber for ${id} already exists`);
          const caller = user;
          // Held while the plan is prepared, so a quick complete still finds the id.
          let stopped = false;
          subscriptions.set(id, () => (stopped = true));
          const idJson = JSON.stringify(id);
          void engine.subscribe((message.payload ?? {}) as never, caller).then((subscription) => {
            if (stopped || !subscriptions.has(id)) return;
            if (!subscription.ok) {
              subscriptions.delete(id);
              return void send(`{"id":${idJson},"type":"error","payload":${JSON.stringify(subscription.errors)}}`);
            }
            const stop = subscription.start(
              (payload) => send(`{"id":${idJson},"type":"next","payload":${typeof payload === 'string' ? payload : JSON.stringify(payload)}}`),
              () => {
                if (subscriptions.delete(id)) send(`{"id":${idJson},"type":"complete"}`);
              },
            );
            if (subscriptions.has(id)) subscriptions.set(id, stop);
            else stop();
          });
          return;
        }
        case 'complete': {
          const id = message.id as string;
          subscriptions.get(id)?.();
          subscriptions.delete(id);
          return;
        }
        default:
          return ws.close(4400, `invalid message type ${String(message.type)}`);
      }
    });
  }

  return {
    close() {
      deps.httpServer.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
