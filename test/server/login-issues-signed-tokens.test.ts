import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { loginPath, registerPath, request, signedInUser } from '../helpers/server-requests.ts';

describe.each(serverLanes)('login and register ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { accessTokenTtlSec: 600, refreshTokenTtlSec: 3600 });
  });
  afterAll(() => running.close());

  it('logs in with App Services’ response shape and ES256 tokens that verify against the published JWKS', async () => {
    const { server } = running;
    const { userId } = await server.createUser({ username: 'ada@example.com', password: 'secret-123', customData: { plan: 'pro' } });
    const login = await request(server, 'POST', loginPath(server), { username: 'ada@example.com', password: 'secret-123' });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(['access_token', 'device_id', 'refresh_token', 'user_id']);
    expect(login.body.user_id).toBe(userId);

    const jwks = await request(server, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.body.keys[0].d).toBeUndefined();
    const keys = createLocalJWKSet(jwks.body);
    const access = await jwtVerify(login.body.access_token, keys, { algorithms: ['ES256'] });
    expect(access.payload).toMatchObject({ sub: userId, user_data: { plan: 'pro' } });
    expect(access.payload.exp! - access.payload.iat!).toBe(600);
    const refresh = await jwtVerify(login.body.refresh_token, keys, { algorithms: ['ES256'] });
    expect(refresh.payload.sub).toBe(userId);
    expect(refresh.payload.exp! - refresh.payload.iat!).toBe(3600);
    expect(server.stats().logins).toBeGreaterThanOrEqual(1);
  });

  it('answers a wrong password and an unknown user alike: 401 InvalidPassword', async () => {
    const { server } = running;
    await server.createUser({ username: 'bob@example.com', password: 'secret-123' });
    for (const credentials of [{ username: 'bob@example.com', password: 'wrong-one' }, { username: 'nobody@example.com', password: 'secret-123' }]) {
      const res = await request(server, 'POST', loginPath(server), credentials);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid username/password', error_code: 'InvalidPassword' });
    }
  });

  it('registers a new account with 201, refuses the same name with 409 AccountNameInUse, and logs the new user in', async () => {
    const { server } = running;
    const first = await request(server, 'POST', registerPath(server), { email: 'cy@example.com', password: 'secret-123' });
    expect(first.status).toBe(201);
    const again = await request(server, 'POST', registerPath(server), { email: 'cy@example.com', password: 'other-123' });
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('AccountNameInUse');
    const login = await request(server, 'POST', loginPath(server), { username: 'cy@example.com', password: 'secret-123' });
    expect(login.status).toBe(200);
  });

  it('refuses malformed registrations and logins with 400 BadRequest naming the field', async () => {
    const { server } = running;
    const missing = await request(server, 'POST', registerPath(server), { email: 'dee@example.com' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error_code: 'BadRequest', error: expect.stringContaining('password') });
    const short = await request(server, 'POST', registerPath(server), { email: 'dee@example.com', password: '123' });
    expect(short.status).toBe(400);
    const wrongType = await request(server, 'POST', loginPath(server), { username: 42, password: 'secret-123' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toContain('username');
  });

  it('puts custom data set by the operator into the next access token and the profile', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    expect(decodeJwt(user.accessToken).user_data).toEqual({});
    await server.setCustomData(user.userId, { role: 'admin' });
    const refreshed = await request(server, 'POST', '/api/client/v2.0/auth/session', undefined, user.refreshToken);
    expect(decodeJwt(refreshed.body.access_token).user_data).toEqual({ role: 'admin' });
    const profile = await request(server, 'GET', '/api/client/v2.0/auth/profile', undefined, refreshed.body.access_token);
    expect(profile.body).toEqual({
      user_id: user.userId,
      domain_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      type: 'normal',
      identities: [{ id: user.userId, provider_type: 'local-userpass' }],
      data: { email: user.username },
      custom_data: { role: 'admin' },
    });
  });

  it('answers 404 AppNotFound for another app id', async () => {
    const { server } = running;
    const res = await request(server, 'POST', '/api/client/v2.0/app/other-app/auth/providers/local-userpass/login', { username: 'a', password: 'b' });
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe('AppNotFound');
  });
});
