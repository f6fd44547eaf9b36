import type { AuthAdapter, AuthContext, Credentials, TokenGrant } from './auth-adapter.ts';
import { authRequest, optionalString, requireString } from './auth-request.ts';

/**
 * Options of {@link oauth2Auth}.
 */
export interface OAuth2AuthOptions {
  /** The RFC 6749 token endpoint. */
  tokenEndpoint: string;
  clientId: string;
  /** Confidential clients only; sent as HTTP Basic unless `clientAuth` is `'post'`. */
  clientSecret?: string;
  /** How the secret travels: `basic` (RFC 6749 §2.3.1, the default) or `post` (in the form body). */
  clientAuth?: 'basic' | 'post';
  /** RFC 7009 revocation endpoint; without it, logout is local only. */
  revocationEndpoint?: string;
  /** Requested scope for the password grant, e.g. `'openid offline_access'`. */
  scope?: string;
}

/**
 * An adapter for an OAuth 2.0 token endpoint: the resource owner password grant for login, the
 * `refresh_token` grant for refresh (`invalid_grant` means the refresh token expired or was revoked:
 * the user must log in again), and optional RFC 7009 revocation on logout. Bodies are form-encoded.
 *
 * @example
 * ```ts
 * const auth = oauth2Auth({ tokenEndpoint: 'https://id.example.com/oauth/token', clientId: 'spa',
 *   revocationEndpoint: 'https://id.example.com/oauth/revoke', scope: 'offline_access' });
 * ```
 */
export function oauth2Auth(opts: OAuth2AuthOptions): AuthAdapter {
  const usesBasic = opts.clientSecret !== undefined && opts.clientAuth !== 'post';

  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (usesBasic) h['authorization'] = `Basic ${basicCredentials(opts.clientId, opts.clientSecret ?? '')}`;
    return h;
  };
  const form = (fields: Record<string, string | undefined>): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, value);
    if (!usesBasic) {
      params.set('client_id', opts.clientId);
      if (opts.clientSecret !== undefined) params.set('client_secret', opts.clientSecret);
    }
    return params.toString();
  };
  const secrets = (extra: string): string[] => (opts.clientSecret === undefined ? [extra] : [extra, opts.clientSecret]);
  const token = async (fields: Record<string, string | undefined>, phase: 'login' | 'refresh', secret: string, ctx: AuthContext): Promise<TokenGrant> => {
    const res = await authRequest(ctx, opts.tokenEndpoint, { method: 'POST', headers: headers(), body: form(fields) }, phase, secrets(secret));
    const grant: TokenGrant = { accessToken: requireString(res.json, 'access_token', phase), sentAt: res.sentAt, receivedAt: res.receivedAt };
    const refreshToken = optionalString(res.json, 'refresh_token');
    if (refreshToken) grant.refreshToken = refreshToken;
    const expiresIn = (res.json as { expires_in?: unknown }).expires_in;
    if (typeof expiresIn === 'number' && expiresIn > 0) grant.expiresInSec = expiresIn;
    if (res.serverDate !== undefined) grant.serverDate = res.serverDate;
    return grant;
  };

  return {
    login(credentials: Credentials, ctx: AuthContext): Promise<TokenGrant> {
      return token({ grant_type: 'password', username: credentials.username, password: credentials.password, scope: opts.scope }, 'login', credentials.password, ctx);
    },
    refresh(refreshToken: string, ctx: AuthContext): Promise<TokenGrant> {
      return token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh', refreshToken, ctx);
    },
    async logout(refreshToken: string, ctx: AuthContext): Promise<void> {
      if (opts.revocationEndpoint === undefined) return;
      const body = form({ token: refreshToken, token_type_hint: 'refresh_token' });
      await authRequest(ctx, opts.revocationEndpoint, { method: 'POST', headers: headers(), body }, 'refresh', secrets(refreshToken));
    },
  };
}

// RFC 6749 §2.3.1: form-encode id and secret before joining them for Basic auth.
function basicCredentials(id: string, secret: string): string {
  const encode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return btoa(`${encode(id)}:${encode(secret)}`);
}
