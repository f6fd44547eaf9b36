import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Lets browser apps on any origin call the server. Tokens travel in the Authorization header, never in
 * cookies, so a wildcard origin grants nothing a script could not already do with the token.
 * `Date` is exposed because clients estimate clock skew from it.
 *
 * @example
 * if (applyCors(req, res)) return; // answered a preflight
 */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'date, retry-after, www-authenticate');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
  }).end();
  return true;
}
