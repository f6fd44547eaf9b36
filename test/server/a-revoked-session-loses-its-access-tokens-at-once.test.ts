import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Revoked } from '../../examples/server/auth/session-revocations.ts';
import { TokenSigner } from '../../examples/server/auth/token-signer.ts';
import { ServerClock } from '../../examples/server/clock.ts';
import { openDb } from '../../examples/server/db/open-db.ts';
import { startServer, type SyncServer } from '../../examples/server/start-server.ts';
import { serverLanes, sharedDatabaseLanes, startLaneServer, TEST_SCRYPT_COST, type LaneServer } from '../helpers/server-lanes.ts';
import { spawnServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { graphql, loginPath, PULL_TODO, request, SESSION_PATH, signedInUser, type SignedInUser } from '../helpers/server-requests.ts';

const PROFILE_PATH = '/api/client/v2.0/auth/profile';
const pull = (server: SyncServer, token: string) => graphql(server, token, PULL_TODO, { checkpoint: null, limit: 10 });
const sessionOf = (accessToken: string) => decodeJwt(accessToken).sid as string;
const revokedAnswer = { errors: [{ message: 'access token rejected: session revoked', extensions: { code: 'UNAUTHENTICATED' } }] };

/** Records a server's `onRevoked` events; `next(match)` resolves with the first one matching, past or future. */
function recordRevocations(server: SyncServer) {
  const events: Revoked[] = [];
  const waiters: Array<{ match: (r: Revoked) => boolean; resolve: (r: Revoked) => void }> = [];
  const stop = server.onRevoked((revoked) => {
    events.push(revoked);
    for (const waiter of waiters.filter((w) => w.match(revoked))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(revoked);
    }
  });
  return {
    events,
    stop,
    next(match: (r: Revoked) => boolean): Promise<Revoked> {
      const seen = events.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

const ofSession = (sid: string) => (r: Revoked) => r.sessionIds?.includes(sid) === true;
const ofUser = (userId: string) => (r: Revoked) => r.userId === userId;

async function secondDevice(server: SyncServer, user: SignedInUser): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await request(server, 'POST', loginPath(server), { username: user.username, password: user.password });
  return { accessToken: res.body.access_token, refreshToken: res.body.refresh_token };
}

describe.each(serverLanes)('revoked sessions on one server ($name)', (lane) => {
  let running: LaneServer;
  let server: SyncServer;
  let revocations: ReturnType<typeof recordRevocations>;
  beforeAll(async () => {
    running = await startLaneServer(lane, { rotateRefreshTokens: true });
    server = running.server;
    revocations = recordRevocations(server);
  });
  afterAll(async () => {
    revocations.stop();
    await running.close();
  });

  it('names the session in every access token, from login and from refresh', async () => {
    const user = await signedInUser(server);
    const sid = sessionOf(user.accessToken);
    expect(sid).toEqual(expect.any(String));
    const refreshed = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(sessionOf(refreshed.body.access_token)).toBe(sid);
  });

  it('refuses the access token on /graphql and the profile right after logout, and keeps the user’s other device working', async () => {
    const user = await signedInUser(server);
    const other = await secondDevice(server, user);
    expect((await pull(server, user.accessToken)).status).toBe(200);

    expect((await request(server, 'DELETE', SESSION_PATH, undefined, user.refreshToken)).status).toBe(204);

    const refused = await pull(server, user.accessToken);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(revokedAnswer);
    const profile = await request(server, 'GET', PROFILE_PATH, undefined, user.accessToken);
    expect(profile).toMatchObject({ status: 401, body: { error: 'invalid session: session revoked', error_code: 'InvalidSession' } });
    expect(await revocations.next(ofSession(sessionOf(user.accessToken)))).toEqual({ sessionIds: [sessionOf(user.accessToken)] });
    expect((await pull(server, other.accessToken)).status).toBe(200);
  });

  it('tells onRevoked once per session, however often logout is repeated', async () => {
    const user = await signedInUser(server);
    const sid = sessionOf(user.accessToken);
    for (let i = 0; i < 3; i += 1) expect((await request(server, 'DELETE', SESSION_PATH, undefined, user.refreshToken)).status).toBe(204);
    await revocations.next(ofSession(sid));
    expect(revocations.events.filter(ofSession(sid))).toHaveLength(1);
  });

  it('refuses every device’s access token after the operator revokes the user, and tells onRevoked the user', async () => {
    const user = await signedInUser(server);
    const bystander = await signedInUser(server);
    const other = await secondDevice(server, user);

    await server.revokeSessions(user.userId);

    for (const token of [user.accessToken, other.accessToken]) expect((await pull(server, token)).body).toEqual(revokedAnswer);
    expect(await revocations.next(ofUser(user.userId))).toEqual({ userId: user.userId });
    expect((await pull(server, bystander.accessToken)).status).toBe(200);
  });

  it('refuses the session’s access tokens when a replaced refresh token comes back (rotation reuse)', async () => {
    const user = await signedInUser(server);
    const first = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(first.status).toBe(201);
    expect((await pull(server, first.body.access_token)).status).toBe(200);

    const reuse = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(reuse.status).toBe(401);

    for (const token of [user.accessToken, first.body.access_token]) expect((await pull(server, token)).body).toEqual(revokedAnswer);
    await revocations.next(ofSession(sessionOf(user.accessToken)));
  });
});

describe.each(sharedDatabaseLanes)('revoked sessions across server processes on one database ($name)', (lane) => {
  let running: LaneServer;
  let a: SyncServer;
  let b: SyncServer;
  let child: ServerProcess;
  let onB: ReturnType<typeof recordRevocations>;
  let onA: ReturnType<typeof recordRevocations>;
  beforeAll(async () => {
    running = await startLaneServer(lane, { rotateRefreshTokens: true });
    a = running.server;
    // B has its own connections and LISTEN client, as another process would; the child is another process.
    b = await startServer({ port: 0, databaseUrl: running.databaseUrl, scryptCost: TEST_SCRYPT_COST, rotateRefreshTokens: true });
    child = await spawnServerProcess(['--port', '0'], { DATABASE_URL: running.databaseUrl! });
    onA = recordRevocations(a);
    onB = recordRevocations(b);
  }, 60_000);
  afterAll(async () => {
    onA?.stop();
    onB?.stop();
    await child?.stop();
    await b?.close();
    await running.close();
  });
  afterEach(() => {
    onA.events.length = 0;
    onB.events.length = 0;
  });

  const onChild = (token: string) => fetch(`${child.httpUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: PULL_TODO, variables: { checkpoint: null, limit: 10 } }),
  });

  it('logout on A: B and a separate process refuse the access token on their next request, and B’s onRevoked fires', async () => {
    const user = await signedInUser(a);
    const bystander = await signedInUser(a);
    expect((await pull(b, user.accessToken)).status).toBe(200);
    expect((await onChild(user.accessToken)).status).toBe(200);

    expect((await request(a, 'DELETE', SESSION_PATH, undefined, user.refreshToken)).status).toBe(204);

    // No waiting for the notice: the next request reads the session row.
    expect((await pull(b, user.accessToken)).body).toEqual(revokedAnswer);
    expect((await onChild(user.accessToken)).status).toBe(401);
    expect(await onB.next(ofSession(sessionOf(user.accessToken)))).toEqual({ sessionIds: [sessionOf(user.accessToken)] });
    // A told its own listeners directly, once; B heard it once, through NOTIFY.
    expect(onA.events).toEqual([{ sessionIds: [sessionOf(user.accessToken)] }]);
    expect(onB.events).toEqual([{ sessionIds: [sessionOf(user.accessToken)] }]);
    expect((await pull(b, bystander.accessToken)).status).toBe(200);
  });

  it('operator revoke on B: A refuses every device and A’s onRevoked hears the user', async () => {
    const user = await signedInUser(a);
    const other = await secondDevice(b, user);
    await b.revokeSessions(user.userId);
    for (const token of [user.accessToken, other.accessToken]) expect((await pull(a, token)).body).toEqual(revokedAnswer);
    expect(await onA.next(ofUser(user.userId))).toEqual({ userId: user.userId });
  });

  it('refresh-token reuse detected on A reaches B’s onRevoked', async () => {
    const user = await signedInUser(a);
    expect((await request(b, 'POST', SESSION_PATH, undefined, user.refreshToken)).status).toBe(201);
    expect((await request(a, 'POST', SESSION_PATH, undefined, user.refreshToken)).status).toBe(401);
    await onB.next(ofSession(sessionOf(user.accessToken)));
    expect((await pull(b, user.accessToken)).body).toEqual(revokedAnswer);
  });

  it('refuses an access token that names no session (issued before tokens carried one), so the client refreshes', async () => {
    const user = await signedInUser(a);
    // Signed with the server's own key, read from the shared database: only the sid is missing.
    const db = await openDb({ databaseUrl: running.databaseUrl });
    try {
      const signer = await TokenSigner.load(db, new ServerClock());
      const { token } = await signer.sign('access', { sub: user.userId, user_data: {} }, 600);
      const res = await pull(a, token);
      expect(res.status).toBe(401);
      expect(res.body.errors[0].message).toBe('access token rejected: token names no session; refresh it');
    } finally {
      await db.close();
    }
    const refreshed = await request(a, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect((await pull(a, refreshed.body.access_token)).status).toBe(200);
  });
});
