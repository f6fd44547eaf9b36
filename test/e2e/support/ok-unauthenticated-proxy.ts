import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP proxy in front of the reference server that answers its GraphQL 401s as 200 + the same body. */
export interface OkUnauthenticatedProxy {
  readonly origin: string;
  /** GraphQL answers turned from 401 into 200. */
  readonly rewritten: number;
  close(): Promise<void>;
}

/** Many GraphQL servers report an expired token as HTTP 200 with `extensions.code = UNAUTHENTICATED`. */
export async function startOkUnauthenticatedProxy(targetOrigin: string): Promise<OkUnauthenticatedProxy> {
  let rewritten = 0;
  const target = new URL(targetOrigin);
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const rewrite = req.url?.startsWith('/graphql') === true && answer.statusCode === 401;
        if (rewrite) rewritten++;
        res.writeHead(rewrite ? 200 : (answer.statusCode ?? 502), answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get rewritten() {
      return rewritten;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
