import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fixture server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the handler answers: a response, or a body cut off mid-way (connection dropped). */
export type FixtureReply =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { truncate: string; status?: number };

export type FixtureHandler = (request: SeenRequest) => FixtureReply | Promise<FixtureReply>;

/** A real HTTP server on 127.0.0.1 whose answers each test scripts. */
export interface HttpFixture {
  url: string;
  requests: SeenRequest[];
  handle(handler: FixtureHandler): void;
  close(): Promise<void>;
}

/** Starts a real HTTP server on an ephemeral 127.0.0.1 port. Bodies that are not strings are sent as JSON. */
export async function startHttpFixture(handler: FixtureHandler = () => ({ status: 404 })): Promise<HttpFixture> {
  let current = handler;
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      Promise.resolve(current(seen)).then((reply) => send(res, reply), () => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: FixtureReply): void {
  if ('truncate' in reply) {
    // Promise more bytes than we send, then drop the connection: the client sees a cut-off body.
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'content-length': String(reply.truncate.length + 100) });
    res.write(reply.truncate);
    setImmediate(() => res.destroy());
    return;
  }
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string> = { ...reply.headers };
  if (body !== '' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** A URL on which nothing listens: connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const fixture = await startHttpFixture();
  const { url } = fixture;
  await fixture.close();
  return url;
}
