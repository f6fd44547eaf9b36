import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestBearerToken } from '../http/bearer-token.ts';
import { HttpError } from '../http/http-error.ts';
import { readJsonBody } from '../http/read-json-body.ts';
import type { RouteHandler, Router } from '../http/router.ts';
import { sendJson } from '../http/send-json.ts';
import type { ServerStats } from '../stats.ts';
import { AuthError } from './auth-error.ts';
import type { AuthService } from './auth-service.ts';
import { TokenRejected, type TokenSigner } from './token-signer.ts';

/** What the auth routes need from the server. */
export interface AuthRoutesDeps {
  auth: AuthService;
  signer: TokenSigner;
  appId: string;
  maxBodyBytes: number;
  stats: ServerStats;
}

export const AUTH_BASE = '/api/client/v2.0';

const badRequest = (error: string) => new HttpError(400, { error, error_code: 'BadRequest' });

/** The non-empty string fields `names` of a JSON object body, or a 400 naming the first bad one. */
function stringFields<K extends string>(body: unknown, names: readonly K[]): Record<K, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('expected a JSON object');
  const record = body as Record<string, unknown>;
  for (const name of names) {
    if (typeof record[name] !== 'string' || record[name] === '') throw badRequest(`field "${name}" must be a non-empty string`);
  }
  return record as Record<K, string>;
}

function sendAuthError(res: ServerResponse, error: AuthError): void {
  sendJson(res, error.status, { error: error.message, error_code: error.errorCode });
}

function refreshTokenOf(req: IncomingMessage): string {
  const token = requestBearerToken(req);
  if (!token) throw new AuthError(401, 'InvalidSession', 'invalid session: missing Authorization: Bearer <refresh token>');
  return token;
}

/**
 * Registers App Services' local-userpass routes, the session routes, the profile and the JWKS.
 *
 * @example
 * addAuthRoutes(router, { auth, signer, appId: 'session-sync', maxBodyBytes: 1_048_576, stats });
 */
export function addAuthRoutes(router: Router, deps: AuthRoutesDeps): void {
  const { auth, signer, appId, maxBodyBytes, stats } = deps;
  const provider = `${AUTH_BASE}/app/:appId/auth/providers/local-userpass`;
  // Unknown app ids are 404; AuthErrors become App Services' { error, error_code } bodies.
  const guard = (handler: RouteHandler): RouteHandler =>
    async (req, res, params) => {
      if (params.appId !== undefined && params.appId !== appId) {
        return sendJson(res, 404, { error: `cannot find app using Client App ID '${params.appId}'`, error_code: 'AppNotFound' });
      }
      try {
        await handler(req, res, params);
      } catch (error) {
        if (error instanceof AuthError) return sendAuthError(res, error);
        throw error;
      }
    };

  router.on('POST', `${provider}/login`, guard(async (req, res) => {
    const { username, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['username', 'password']);
    sendJson(res, 200, await auth.login(username, password));
  }));

  router.on('POST', `${provider}/register`, guard(async (req, res) => {
    const { email, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['email', 'password']);
    await auth.createUser({ username: email, password });
    stats.registrations += 1;
    sendJson(res, 201, {});
  }));

  router.on('POST', `${AUTH_BASE}/auth/session`, guard(async (req, res) => {
    sendJson(res, 201, await auth.refresh(refreshTokenOf(req)));
  }));

  router.on('DELETE', `${AUTH_BASE}/auth/session`, guard(async (req, res) => {
    await auth.logout(refreshTokenOf(req));
    sendJson(res, 204);
  }));

  router.on('GET', `${AUTH_BASE}/auth/profile`, guard(async (req, res) => {
    const token = requestBearerToken(req);
    if (!token) throw new AuthError(401, 'InvalidSession', 'invalid session: missing Authorization: Bearer <access token>');
    try {
      const user = await auth.authenticate(token);
      sendJson(res, 200, await auth.profile(user.userId));
    } catch (error) {
      if (error instanceof TokenRejected) throw new AuthError(401, 'InvalidSession', `invalid session: ${error.message}`);
      throw error;
    }
  }));

  router.on('GET', '/.well-known/jwks.json', async (_req, res) => sendJson(res, 200, signer.jwks()));
}
