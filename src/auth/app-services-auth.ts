import type { AuthAdapter, AuthContext, Credentials, TokenGrant } from './auth-adapter.ts';
import { authRequest, optionalString, requireString, type AuthResponse } from './auth-request.ts';

/**
 * Options of {@link appServicesAuth}.
 */
export interface AppServicesAuthOptions {
  /** The client API base, e.g. `https://auth.example.com/api/client/v2.0`. */
  baseUrl: string;
  appId: string;
  /** Auth provider name. Default `local-userpass`. */
  provider?: string;
}

/**
 * An adapter for the Atlas App Services client API (and servers that copy it, like the reference
 * server): login with a provider, refresh with `POST /auth/session` and the refresh token as a Bearer
 * header, logout with `DELETE /auth/session`. App Services does not rotate refresh tokens; a rotated one
 * in the refresh response is passed on anyway.
 *
 * @example
 * ```ts
 * const auth = appServicesAuth({ baseUrl: 'https://auth.example.com/api/client/v2.0', appId: 'todo-app' });
 * const grant = await auth.login({ username: 'ann', password: 'pw' }, { fetch, clock: systemClock });
 * ```
 */
export function appServicesAuth(opts: AppServicesAuthOptions): AuthAdapter {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const provider = encodeURIComponent(opts.provider ?? 'local-userpass');
  const loginUrl = `${base}/app/${encodeURIComponent(opts.appId)}/auth/providers/${provider}/login`;
  const sessionUrl = `${base}/auth/session`;

  return {
    async login(credentials: Credentials, ctx: AuthContext): Promise<TokenGrant> {
      const body = JSON.stringify({ username: credentials.username, password: credentials.password });
      const res = await authRequest(ctx, loginUrl, { method: 'POST', headers: jsonHeaders(), body }, 'login', [credentials.password]);
      return grantOf(res, 'login', requireString(res.json, 'refresh_token', 'login'));
    },
    async refresh(refreshToken: string, ctx: AuthContext): Promise<TokenGrant> {
      const res = await authRequest(ctx, sessionUrl, { method: 'POST', headers: bearer(refreshToken) }, 'refresh', [refreshToken]);
      return grantOf(res, 'refresh', optionalString(res.json, 'refresh_token'));
    },
    async logout(refreshToken: string, ctx: AuthContext): Promise<void> {
      await authRequest(ctx, sessionUrl, { method: 'DELETE', headers: bearer(refreshToken) }, 'refresh', [refreshToken]);
    },
  };
}

function grantOf(res: AuthResponse, what: string, refreshToken: string | undefined): TokenGrant {
  const grant: TokenGrant = { accessToken: requireString(res.json, 'access_token', what), sentAt: res.sentAt, receivedAt: res.receivedAt };
  if (refreshToken !== undefined && refreshToken !== '') grant.refreshToken = refreshToken;
  const userId = optionalString(res.json, 'user_id');
  if (userId !== undefined) grant.userId = userId;
  if (res.serverDate !== undefined) grant.serverDate = res.serverDate;
  return grant;
}

function jsonHeaders(): Record<string, string> {
  return { 'content-type': 'application/json', accept: 'application/json' };
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: 'application/json' };
}
