import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A static server of the bundled pages, on an origin of its own (so every API call is cross-origin). */
export interface PageServer {
  /** `http://127.0.0.1:PORT/<name>.html` for the page bundled from `pages/<name>.ts`. */
  url(name: string): string;
  close(): Promise<void>;
}

/**
 * Serves `GET /<name>.html` (a shell loading `/<name>.js` as a module) and `GET /<name>.js` from
 * `pagesDir` on 127.0.0.1; anything else is a 404.
 *
 * @example
 * const pages = await startPageServer(inject('browserPagesDir'));
 * await page.goto(pages.url('session-page'));
 */
export async function startPageServer(pagesDir: string): Promise<PageServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const html = /^\/([a-z-]+)\.html$/.exec(path);
    if (html) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><meta charset="utf-8"><title>${html[1]}</title><script type="module" src="/${html[1]}.js"></script>`);
      return;
    }
    const js = /^\/([a-z-]+\.js)$/.exec(path);
    if (!js) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(pagesDir, js[1] as string)).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.html`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
