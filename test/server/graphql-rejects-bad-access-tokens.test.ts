import { generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, signedInUser, type SignedInUser } from '../helpers/server-requests.ts';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Tokens a client or an attacker might present instead of a valid access token, by what is wrong with them. */
async function badTokens(user: SignedInUser): Promise<Array<[string, string | undefined, string]>> {
  const [header, payload, signature] = user.accessToken.split('.') as [string, string, string];
  const claims = decodeJwt(user.accessToken);
  const otherKey = await generateKeyPair('ES256');
  const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(user.accessToken).kid! }).sign(otherKey.privateKey);
  return [
    ['missing', undefined, 'missing Authorization'],
    ['garbage', 'garbage-header.garbage-payload.garbage-signature', 'malformed'],
    ['tampered payload', `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`, 'signature is invalid'],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'algorithm is not allowed'],
    ['signed by another key', foreign, 'signature is invalid'],
    ['a refresh token', user.refreshToken, 'not an access token'],
  ];
}

describe.each(serverLanes)('access tokens on /graphql ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { accessTokenTtlSec: 60 });
  });
  afterAll(() => running.close());

  it('answers every bad token with HTTP 401 UNAUTHENTICATED that says why and never echoes the token', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const before = server.stats().graphqlAuthFailures;
    const cases = await badTokens(user);
    for (const [, token, why] of cases) {
      const res = await graphql(server, token, PULL_TODO, { checkpoint: null, limit: 10 });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ errors: [{ message: expect.stringContaining(why), extensions: { code: 'UNAUTHENTICATED' } }] });
      if (token) expect(JSON.stringify(res.body)).not.toContain(token.split('.')[1]);
    }
    expect(server.stats().graphqlAuthFailures).toBe(before + cases.length);
    // The genuine token still works: nothing above broke the server.
    expect((await graphql(server, user.accessToken, PULL_TODO, { checkpoint: null, limit: 10 })).status).toBe(200);
  });

  it('rejects an access token once the server clock passes its exp', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    server.shiftClock(61_000);
    try {
      const res = await graphql(server, user.accessToken, PULL_TODO, { checkpoint: null, limit: 10 });
      expect(res.status).toBe(401);
      expect(res.body.errors[0]).toEqual({ message: 'access token rejected: token expired', extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      server.shiftClock(-61_000);
    }
  });
});
