// A tiny GraphQL endpoint on 127.0.0.1: answers `{ me }` for a token the fake auth accepts, and
// HTTP 401 UNAUTHENTICATED otherwise; records every Authorization header it saw.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';

export interface GraphQLTestServer {
  url: string;
  stats: { ok: number; unauthorized: number };
  tokensSeen: string[];
  close(): Promise<void>;
}

export async function startGraphQLTestServer(acceptsAccess: (token: string) => boolean): Promise<GraphQLTestServer> {
  const stats = { ok: 0, unauthorized: 0 };
  const tokensSeen: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      tokensSeen.push(token);
      res.setHeader('content-type', 'application/json');
      if (!acceptsAccess(token)) {
        stats.unauthorized++;
        res.statusCode = 401;
        res.end(JSON.stringify({ errors: [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] }));
        return;
      }
      stats.ok++;
      res.end(JSON.stringify({ data: { me: { id: String(decodeJwt(token).sub) } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stats,
    tokensSeen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
