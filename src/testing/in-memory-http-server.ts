import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AUTH_BASE, createInMemoryServer, type InMemoryServerControls, type InMemoryServerOptions } from './in-memory-server.ts';

// Node-only (node:http): the in-memory server on a real loopback port, so a real client (its fetch,
// its timeouts, its connection pool) talks to it over TCP.

/** Options of {@link startInMemoryServer}. */
export interface StartInMemoryServerOptions extends InMemoryServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
}

/** A running in-memory server: its URLs and its fault knobs. */
export interface InMemoryServer extends InMemoryServerControls {
  /** `http://127.0.0.1:PORT`. */
  readonly httpUrl: string;
  /** The `baseUrl` of `appServicesAuth`: `<httpUrl>/api/client/v2.0`. */
  readonly authUrl: string;
  /** The `graphql.url` of the client: `<httpUrl>/graphql` (HTTP only: no live stream, the client polls). */
  readonly graphqlUrl: string;
  readonly port: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * Starts the in-memory server on 127.0.0.1 (node:http; Node-only). While it is down (`goDown`) it
 * resets every connection, open or new, as a crashed server's host does.
 *
 * @example
 * ```ts
 * const server = await startInMemoryServer({ accessTokenTtlSec: 60 });
 * const { userId } = await server.createUser({ username: 'ada@example.com', password: 'pw-1234' });
 * const auth = appServicesAuth({ baseUrl: server.authUrl, appId: server.appId });
 * ```
 */
export async function startInMemoryServer(options: StartInMemoryServerOptions = {}): Promise<InMemoryServer> {
  const core = createInMemoryServer(options);
  const sockets = new Set<Socket>();
  const http = createServer(async (req, res) => {
    const body = await readBody(req);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const answer = await core.answer({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://localhost').pathname, headers, body });
    if (answer.kind !== 'answer') {
      req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.status === 204 ? undefined : answer.body);
  });
  http.keepAliveTimeout = 60_000;
  http.on('connection', (socket) => {
    if (core.isDown) {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const stopListening = core.onDown(() => {
    for (const socket of sockets) socket.resetAndDestroy();
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const httpUrl = `http://127.0.0.1:${port}`;
  // The core's knobs (and its `isDown` getter) by inheritance, plus the listener's own fields.
  const server: InMemoryServer = Object.assign(Object.create(core) as InMemoryServerControls, {
    httpUrl,
    authUrl: `${httpUrl}${AUTH_BASE}`,
    graphqlUrl: `${httpUrl}/graphql`,
    port,
    async close() {
      stopListening();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  });
  return server;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
