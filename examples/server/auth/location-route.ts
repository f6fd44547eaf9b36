import type { IncomingMessage } from 'node:http';
import type { Router } from '../http/router.ts';
import { sendJson } from '../http/send-json.ts';
import { AUTH_BASE } from './auth-routes.ts';

/** What the location route needs from the server. */
export interface LocationRouteDeps {
  appId: string;
  /** The origin clients reach this server at (`https://sync.example.com`), when the operator set one. */
  publicUrl: string | undefined;
  /** The server's own address, known once it listens. */
  httpUrl: () => string;
}

/** What App Services' `GET /app/{appId}/location` answered; realm-web prefixes every later request with `hostname`. */
export interface LocationBody {
  deployment_model: 'LOCAL';
  location: string;
  hostname: string;
  ws_hostname: string;
}

// A host name, IPv4 or bracketed IPv6 address, and an optional port: nothing that could smuggle a path or a scheme.
const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin to hand clients. Behind a proxy only the operator knows it (`publicUrl`): the server's own
 * `httpUrl` is the internal address, and a request's `Host` says the host but not whether the client
 * spoke HTTPS to the proxy (and `X-Forwarded-*` is whatever the client sent). Without `publicUrl` the
 * `Host` the client used is the best guess (it works directly and behind a plain-HTTP proxy that keeps
 * `Host`), and the server's own address is the fallback. A forged `Host` only misleads the client that
 * forged it: the answer is `no-store`.
 */
export function publicOrigin(req: IncomingMessage, deps: Pick<LocationRouteDeps, 'publicUrl' | 'httpUrl'>): string {
  if (deps.publicUrl !== undefined) return deps.publicUrl;
  const host = req.headers.host;
  return typeof host === 'string' && HOST_HEADER.test(host) ? `http://${host}` : deps.httpUrl();
}

/**
 * Registers `GET /api/client/v2.0/app/{appId}/location`, which realm-web (and every Realm SDK) asks
 * first for the deployment's hostnames; `hostname` and `ws_hostname` point back at this server.
 *
 * @example
 * addLocationRoute(router, { appId: 'session-sync', publicUrl: undefined, httpUrl: () => server.httpUrl });
 * // GET /api/client/v2.0/app/session-sync/location
 * // → { deployment_model: 'LOCAL', location: 'self-hosted', hostname: 'http://127.0.0.1:4000', ws_hostname: 'ws://127.0.0.1:4000' }
 */
export function addLocationRoute(router: Router, deps: LocationRouteDeps): void {
  router.on('GET', `${AUTH_BASE}/app/:appId/location`, async (req, res, params) => {
    if (params.appId !== deps.appId) {
      return sendJson(res, 404, { error: `cannot find app using Client App ID '${params.appId}'`, error_code: 'AppNotFound' });
    }
    const hostname = publicOrigin(req, deps);
    const body: LocationBody = { deployment_model: 'LOCAL', location: 'self-hosted', hostname, ws_hostname: hostname.replace(/^http/, 'ws') };
    sendJson(res, 200, body);
  });
}

/**
 * Checks an operator's `publicUrl` and returns it without a trailing slash: an `http:` or `https:` URL,
 * optionally with a path prefix the proxy strips, and no query or fragment. Throws naming the problem.
 *
 * @example
 * normalisePublicUrl('https://sync.example.com/'); // 'https://sync.example.com'
 */
export function normalisePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`publicUrl must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`publicUrl must be http: or https:, got ${url.protocol}`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error('publicUrl must have no query, fragment or credentials');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
