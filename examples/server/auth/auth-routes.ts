import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestBearerToken } from '../http/bearer-token.ts';
import { HttpError } from '../http/http-error.ts';
import { readJsonBody } from '../http/read-json-body.ts';
import type { RouteHandler, Router } from '../http/router.ts';
import { sendJson } from '../http/send-json.ts';
import type { ServerStats } from '../stats.ts';
import type { AccountFlowThrottle } from './account-flow-throttle.ts';
import type { AccountFlows } from './account-flows.ts';
import { AuthError } from './auth-error.ts';
import type { AuthService } from './auth-service.ts';
import { normaliseEmail } from './email.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { assertLoginPassword, assertNewPassword } from './passwords.ts';
import type { RegistrationThrottle } from './registration-throttle.ts';
import { TokenRejected, type TokenSigner } from './token-signer.ts';

/** What the auth routes need from the server. */
export interface AuthRoutesDeps {
  auth: AuthService;
  signer: TokenSigner;
  appId: string;
  maxBodyBytes: number;
  stats: ServerStats;
  loginThrottle: LoginThrottle;
  registrationThrottle: RegistrationThrottle;
  flows: AccountFlows;
  accountFlowThrottle: AccountFlowThrottle;
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
  sendJson(res, error.status, { error: error.message, error_code: error.errorCode }, error.headers);
}

/**
 * The peer's address: the throttles' key. Forwarding headers are not trusted (any client can send
 * them); behind a proxy, key on what the proxy vouches for instead. IPv4-mapped IPv6 is folded to IPv4.
 */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The app's `domain_id` in profiles: stable per app id, 24 hex digits like App Services' ids. */
export function domainIdOf(appId: string): string {
  return createHash('sha256').update(appId).digest('hex').slice(0, 24);
}

function refreshTokenOf(req: IncomingMessage): string {
  const token = requestBearerToken(req);
  if (!token) throw new AuthError(401, 'InvalidSession', 'invalid session: missing Authorization: Bearer <refresh token>');
  return token;
}

/**
 * Registers App Services' local-userpass routes (login, register and the account flows: confirm,
 * resend the confirmation, send a reset, reset), the session routes, the profile and the JWKS.
 *
 * @example
 * addAuthRoutes(router, { auth, signer, appId: 'session-sync', maxBodyBytes: 1_048_576, stats, loginThrottle, registrationThrottle, flows, accountFlowThrottle });
 */
export function addAuthRoutes(router: Router, deps: AuthRoutesDeps): void {
  const { auth, signer, appId, maxBodyBytes, stats, loginThrottle, registrationThrottle, flows, accountFlowThrottle } = deps;
  const domainId = domainIdOf(appId);
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
        if (!(error instanceof AuthError)) throw error;
        if (error.status === 429) stats.authThrottled += 1;
        return sendAuthError(res, error);
      }
    };

  // Cheap checks, then the throttle, then scrypt: a refused or throttled request costs no hashing.
  router.on('POST', `${provider}/login`, guard(async (req, res) => {
    const { username, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['username', 'password']);
    const account = normaliseEmail(username, 'username');
    assertLoginPassword(password);
    const attempt = loginThrottle.admit(account, clientAddress(req));
    let grant;
    try {
      grant = await auth.login(account, password);
    } catch (error) {
      if (!(error instanceof AuthError && error.errorCode === 'InvalidPassword')) attempt.abandoned();
      throw error;
    }
    attempt.succeeded();
    sendJson(res, 200, grant);
  }));

  router.on('POST', `${provider}/register`, guard(async (req, res) => {
    const { email, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['email', 'password']);
    normaliseEmail(email);
    assertNewPassword(password);
    registrationThrottle.admit(clientAddress(req));
    await flows.register(email, password);
    stats.registrations += 1;
    sendJson(res, 201, {});
  }));

  // A token use counts against the client until it works; a refused token stays counted.
  const withTokenThrottle = async (req: IncomingMessage, use: () => Promise<void>) => {
    const attempt = accountFlowThrottle.admitToken(clientAddress(req));
    try {
      await use();
    } catch (error) {
      if (!(error instanceof AuthError && error.errorCode === 'UserpassTokenInvalid')) attempt.abandoned();
      throw error;
    }
    attempt.succeeded();
  };

  router.on('POST', `${provider}/confirm`, guard(async (req, res) => {
    const { token, tokenId } = stringFields(await readJsonBody(req, maxBodyBytes), ['token', 'tokenId']);
    await withTokenThrottle(req, () => flows.confirm(token, tokenId));
    sendJson(res, 204);
  }));

  router.on('POST', `${provider}/reset`, guard(async (req, res) => {
    const { token, tokenId, password } = stringFields(await readJsonBody(req, maxBodyBytes), ['token', 'tokenId', 'password']);
    assertNewPassword(password);
    await withTokenThrottle(req, () => flows.resetPassword(token, tokenId, password));
    sendJson(res, 204);
  }));

  // The mail requests answer 204 whatever the address: whether it has an account is nobody's business.
  const mailRoute = (send: (email: string) => void): RouteHandler => guard(async (req, res) => {
    const { email } = stringFields(await readJsonBody(req, maxBodyBytes), ['email']);
    const name = normaliseEmail(email);
    accountFlowThrottle.admitMail(name, clientAddress(req));
    send(name);
    sendJson(res, 204);
  });
  router.on('POST', `${provider}/confirm/send`, mailRoute((email) => flows.resendConfirmation(email)));
  router.on('POST', `${provider}/reset/send`, mailRoute((email) => flows.sendPasswordReset(email)));

  // App Services could run an app's own functions instead of mailing; this server has no functions.
  const noFunctions = (what: string): RouteHandler => guard(async () => {
    throw new AuthError(400, 'BadRequest', `${what} functions are not supported by this server; use the mail flow (a mailer option) instead`);
  });
  router.on('POST', `${provider}/confirm/call`, noFunctions('confirmation'));
  router.on('POST', `${provider}/reset/call`, noFunctions('password reset'));

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
      sendJson(res, 200, await auth.profile(user.userId, domainId));
    } catch (error) {
      if (error instanceof TokenRejected) throw new AuthError(401, 'InvalidSession', `invalid session: ${error.message}`);
      throw error;
    }
  }));

  router.on('GET', '/.well-known/jwks.json', async (_req, res) => sendJson(res, 200, signer.jwks()));
}
