import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { appServicesAuth } from '../../src/auth/app-services-auth.ts';
import type { AuthContext } from '../../src/auth/auth-adapter.ts';
import { isSessionError, type SessionError } from '../../src/errors/session-error.ts';
import { createJwtFactory } from '../helpers/jwt-factory.ts';
import { refusedUrl, startHttpFixture, type HttpFixture } from './http-fixture.ts';

const jwt = await createJwtFactory();
let server: HttpFixture;
let ctx: AuthContext;
const LOCAL_NOW = 1_700_000_000_000;

beforeAll(async () => {
  server = await startHttpFixture();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  ctx = { fetch: globalThis.fetch, clock: { now: () => LOCAL_NOW } };
});

const auth = () => appServicesAuth({ baseUrl: `${server.url}/api/client/v2.0/`, appId: 'todo app' });

async function failure(promise: Promise<unknown>): Promise<SessionError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isSessionError(error)) throw new Error(`expected a SessionError, got ${String(error)}`);
  return error;
}

describe('appServicesAuth login', () => {
  it('posts credentials to the provider login route and returns the grant', async () => {
    const access = await jwt.sign({ sub: 'u1', iat: 1, exp: 1801 });
    server.handle(() => ({ status: 200, headers: { date: 'Wed, 25 Nov 2026 10:00:00 GMT' }, body: { access_token: access, refresh_token: 'r1', user_id: 'u1', device_id: 'd1' } }));
    const grant = await auth().login({ username: 'ann', password: 'pw' }, ctx);
    expect(grant).toEqual({ accessToken: access, refreshToken: 'r1', userId: 'u1', sentAt: LOCAL_NOW, receivedAt: LOCAL_NOW, serverDate: Date.parse('2026-11-25T10:00:00Z') });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/api/client/v2.0/app/todo%20app/auth/providers/local-userpass/login' });
    expect(JSON.parse(request?.body ?? '')).toEqual({ username: 'ann', password: 'pw' });
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('uses the configured provider', async () => {
    server.handle(() => ({ status: 200, body: { access_token: 'a', refresh_token: 'r' } }));
    await appServicesAuth({ baseUrl: server.url, appId: 'x', provider: 'custom-token' }).login({ username: 'u', password: 'p' }, ctx);
    expect(server.requests[0]?.path).toBe('/app/x/auth/providers/custom-token/login');
  });

  it('wrong password → CREDENTIALS_REJECTED with the server explanation', async () => {
    server.handle(() => ({ status: 401, body: { error: 'invalid username/password', error_code: 'InvalidPassword', link: 'https://logs' } }));
    const error = await failure(auth().login({ username: 'ann', password: 'bad' }, ctx));
    expect(error).toMatchObject({ code: 'CREDENTIALS_REJECTED', kind: 'credentialsRejected', status: 401 });
    expect(error.message).toContain('invalid username/password');
    expect(error.message).not.toContain('bad');
  });

  it('a login answer without refresh_token is a PROTOCOL error', async () => {
    server.handle(() => ({ status: 200, body: { access_token: 'a' } }));
    expect(await failure(auth().login({ username: 'u', password: 'p' }, ctx))).toMatchObject({ code: 'PROTOCOL', kind: 'protocol' });
  });
});

describe('appServicesAuth refresh', () => {
  it('posts to /auth/session with the refresh token as Bearer and reads 201 {access_token}', async () => {
    server.handle(() => ({ status: 201, body: { access_token: 'a2' } }));
    const grant = await auth().refresh('refresh-1', ctx);
    expect(grant).toEqual({ accessToken: 'a2', sentAt: LOCAL_NOW, receivedAt: LOCAL_NOW, serverDate: expect.any(Number) });
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/api/client/v2.0/auth/session', body: '' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer refresh-1');
  });

  it('passes on a rotated refresh token', async () => {
    server.handle(() => ({ status: 201, body: { access_token: 'a2', refresh_token: 'refresh-2' } }));
    expect((await auth().refresh('refresh-1', ctx)).refreshToken).toBe('refresh-2');
  });

  it('records the Date header so expiry can be skew-corrected', async () => {
    server.handle(() => ({ status: 201, headers: { date: 'Thu, 26 Nov 2026 00:00:00 GMT' }, body: { access_token: 'a2' } }));
    expect((await auth().refresh('r', ctx)).serverDate).toBe(Date.parse('2026-11-26T00:00:00Z'));
  });

  it('expired or revoked refresh token (401 InvalidSession) → RELOGIN_REQUIRED', async () => {
    server.handle(() => ({ status: 401, body: { error: 'invalid session: refresh token expired', error_code: 'InvalidSession' } }));
    expect(await failure(auth().refresh('r', ctx))).toMatchObject({ code: 'RELOGIN_REQUIRED', kind: 'refreshRejected', status: 401 });
  });

  it('429 with Retry-After → RATE_LIMITED with the delay', async () => {
    server.handle(() => ({ status: 429, headers: { 'retry-after': '12' }, body: { error: 'slow down' } }));
    expect(await failure(auth().refresh('r', ctx))).toMatchObject({ code: 'RATE_LIMITED', kind: 'rateLimited', retryAfterMs: 12_000 });
  });

  it('503 → transient, never a relogin', async () => {
    server.handle(() => ({ status: 503, body: '<html>maintenance</html>' }));
    expect(await failure(auth().refresh('r', ctx))).toMatchObject({ code: 'NETWORK', kind: 'transient', status: 503 });
  });

  it('garbage 201 body → transient; JSON without access_token → PROTOCOL', async () => {
    server.handle(() => ({ status: 201, body: '<html>captive portal</html>' }));
    expect(await failure(auth().refresh('r', ctx))).toMatchObject({ kind: 'transient' });
    server.handle(() => ({ status: 201, body: { token: 'x' } }));
    expect(await failure(auth().refresh('r', ctx))).toMatchObject({ kind: 'protocol', code: 'PROTOCOL' });
  });

  it('a body cut off mid-way → transient', async () => {
    server.handle(() => ({ truncate: '{"access_token":"eyJhbGciOi', status: 201 }));
    expect(await failure(auth().refresh('r', ctx))).toMatchObject({ kind: 'transient', code: 'NETWORK' });
  });

  it('network down (connection refused) → transient, with the refresh token nowhere in the error', async () => {
    const down = appServicesAuth({ baseUrl: await refusedUrl(), appId: 'a' });
    const error = await failure(down.refresh('secret-refresh-token', ctx));
    expect(error).toMatchObject({ kind: 'transient', code: 'NETWORK' });
    expect(error.message).toContain('ECONNREFUSED');
    expect(JSON.stringify(error)).not.toContain('secret-refresh-token');
  });

  it('an aborted request → transient', async () => {
    server.handle(() => new Promise(() => {}));
    const controller = new AbortController();
    const pending = auth().refresh('r', { ...ctx, signal: controller.signal });
    controller.abort();
    expect(await failure(pending)).toMatchObject({ kind: 'transient' });
  });
});

describe('appServicesAuth logout', () => {
  it('deletes /auth/session with the refresh token as Bearer', async () => {
    server.handle(() => ({ status: 204 }));
    await auth().logout('refresh-1', ctx);
    expect(server.requests[0]).toMatchObject({ method: 'DELETE', path: '/api/client/v2.0/auth/session' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer refresh-1');
  });

  it('reports a failed revocation as a classified error (callers treat logout as best effort)', async () => {
    server.handle(() => ({ status: 500 }));
    expect(await failure(auth().logout('r', ctx))).toMatchObject({ kind: 'transient' });
  });
});

describe('appServicesAuth timeouts', () => {
  afterEach(() => vi.useRealTimers());

  it('a refresh the server never answers fails as transient after the context timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arrived = new Promise<void>((resolve) => server.handle(() => (resolve(), new Promise(() => {}))));
    let settled = false;
    const pending = failure(auth().refresh('r', { ...ctx, timeoutMs: 10_000 })).finally(() => (settled = true));
    await arrived;
    await vi.advanceTimersByTimeAsync(9_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ kind: 'transient', code: 'NETWORK', message: 'request timed out' });
  });

  it('times out after 30 s by default', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arrived = new Promise<void>((resolve) => server.handle(() => (resolve(), new Promise(() => {}))));
    let settled = false;
    const pending = failure(auth().refresh('r', ctx)).finally(() => (settled = true));
    await arrived;
    await vi.advanceTimersByTimeAsync(29_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ kind: 'transient' });
  });
});
