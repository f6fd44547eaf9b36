import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/auth-adapter.ts';
import { oauth2Auth } from '../../src/auth/oauth2-auth.ts';
import { isSessionError, type SessionError } from '../../src/errors/session-error.ts';
import { refusedUrl, startHttpFixture, type HttpFixture } from './http-fixture.ts';

let server: HttpFixture;
let ctx: AuthContext;

beforeAll(async () => {
  server = await startHttpFixture();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  ctx = { fetch: globalThis.fetch, clock: { now: () => 42_000 } };
});

const form = (body: string | undefined) => Object.fromEntries(new URLSearchParams(body ?? ''));
const tokenBody = { access_token: 'opaque-access', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-1' };

async function failure(promise: Promise<unknown>): Promise<SessionError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isSessionError(error)) throw new Error(`expected a SessionError, got ${String(error)}`);
  return error;
}

describe('oauth2Auth', () => {
  it('logs in with the password grant, form-encoded, public client id in the body', async () => {
    server.handle(() => ({ status: 200, body: tokenBody }));
    const auth = oauth2Auth({ tokenEndpoint: `${server.url}/oauth/token`, clientId: 'spa', scope: 'openid offline_access' });
    const grant = await auth.login({ username: 'ann@example.com', password: 'p&ss=word' }, ctx);
    expect(grant).toMatchObject({ accessToken: 'opaque-access', refreshToken: 'rt-1', expiresInSec: 3600, receivedAt: 42_000 });
    const request = server.requests[0];
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBeUndefined();
    expect(form(request?.body)).toEqual({ grant_type: 'password', username: 'ann@example.com', password: 'p&ss=word', scope: 'openid offline_access', client_id: 'spa' });
  });

  it('authenticates a confidential client with HTTP Basic by default', async () => {
    server.handle(() => ({ status: 200, body: tokenBody }));
    await oauth2Auth({ tokenEndpoint: server.url, clientId: 'svc', clientSecret: 's:cr3t' }).refresh('rt-1', ctx);
    const request = server.requests[0];
    expect(request?.headers.authorization).toBe(`Basic ${btoa('svc:s%3Acr3t')}`);
    expect(form(request?.body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
  });

  it('can send the client secret in the body instead', async () => {
    server.handle(() => ({ status: 200, body: tokenBody }));
    await oauth2Auth({ tokenEndpoint: server.url, clientId: 'svc', clientSecret: 'sec', clientAuth: 'post' }).refresh('rt-1', ctx);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(form(server.requests[0]?.body)).toMatchObject({ client_id: 'svc', client_secret: 'sec' });
  });

  it('refreshes with the refresh_token grant and passes a rotated refresh token on', async () => {
    server.handle(() => ({ status: 200, body: { ...tokenBody, refresh_token: 'rt-2' } }));
    const grant = await oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).refresh('rt-1', ctx);
    expect(grant.refreshToken).toBe('rt-2');
    expect(form(server.requests[0]?.body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'spa' });
  });

  it('invalid_grant on refresh → RELOGIN_REQUIRED (expired or revoked, never retried)', async () => {
    server.handle(() => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token expired' } }));
    const error = await failure(oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).refresh('rt-1', ctx));
    expect(error).toMatchObject({ code: 'RELOGIN_REQUIRED', kind: 'refreshRejected', status: 400 });
    expect(error.message).toContain('Refresh token expired');
  });

  it('invalid_grant on login → CREDENTIALS_REJECTED, without the password in the error', async () => {
    server.handle(() => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Wrong email or password.' } }));
    const error = await failure(oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).login({ username: 'ann', password: 'hunter2' }, ctx));
    expect(error).toMatchObject({ code: 'CREDENTIALS_REJECTED', kind: 'credentialsRejected' });
    expect(JSON.stringify(error) + error.message).not.toContain('hunter2');
  });

  it('429 with an HTTP-date Retry-After → RATE_LIMITED measured against the server Date', async () => {
    server.handle(() => ({ status: 429, headers: { date: 'Wed, 25 Nov 2026 10:00:00 GMT', 'retry-after': 'Wed, 25 Nov 2026 10:00:45 GMT' }, body: { error: 'slow_down' } }));
    expect(await failure(oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).refresh('rt', ctx))).toMatchObject({ kind: 'rateLimited', retryAfterMs: 45_000 });
  });

  it('5xx and connection refused → transient', async () => {
    server.handle(() => ({ status: 502, body: 'Bad Gateway' }));
    expect(await failure(oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).refresh('rt', ctx))).toMatchObject({ kind: 'transient' });
    const down = oauth2Auth({ tokenEndpoint: `${await refusedUrl()}/token`, clientId: 'spa' });
    expect(await failure(down.refresh('rt', ctx))).toMatchObject({ kind: 'transient', code: 'NETWORK' });
  });

  it('a 200 without access_token → PROTOCOL', async () => {
    server.handle(() => ({ status: 200, body: { token_type: 'Bearer' } }));
    expect(await failure(oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).refresh('rt', ctx))).toMatchObject({ kind: 'protocol' });
  });

  it('logout revokes the refresh token (RFC 7009) when a revocation endpoint is set', async () => {
    server.handle(() => ({ status: 200 }));
    await oauth2Auth({ tokenEndpoint: `${server.url}/token`, revocationEndpoint: `${server.url}/revoke`, clientId: 'spa' }).logout('rt-1', ctx);
    expect(server.requests[0]?.path).toBe('/revoke');
    expect(form(server.requests[0]?.body)).toEqual({ token: 'rt-1', token_type_hint: 'refresh_token', client_id: 'spa' });
  });

  it('logout without a revocation endpoint sends nothing', async () => {
    await oauth2Auth({ tokenEndpoint: server.url, clientId: 'spa' }).logout('rt-1', ctx);
    expect(server.requests).toHaveLength(0);
  });
});
