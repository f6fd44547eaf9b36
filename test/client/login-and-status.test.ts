import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, toArray } from 'rxjs';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { isSessionError } from '../../src/errors/session-error.ts';
import type { SessionStatus } from '../../src/client/session-status.ts';
import { createFakeAuth } from './fake-auth.ts';

describe('login and status', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('start() with nothing stored is loggedOut; login makes the session active with the user', async () => {
    const fake = await createFakeAuth({ customData: { plan: 'pro' } });
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    const seen: SessionStatus[] = [];
    const done = firstValueFrom(client.status$.pipe(toArray()));
    client.status$.subscribe((s) => seen.push(s));

    expect((await client.start()).session).toBe('loggedOut');
    const user = await client.login({ username: 'ann', password: 'pw' });

    expect(user).toEqual({
      id: 'ann',
      customData: { plan: 'pro' },
      // Lifetime-based, less 1 s because iat is floored to the second.
      accessTokenExpiresAt: Date.now() + 1_800_000 - 1_000,
      refreshTokenExpiresAt: Date.now() + 60 * 24 * 3_600_000 - 1_000,
    });
    expect(client.status).toMatchObject({ session: 'active', userId: 'ann', lastError: null, reloginReason: null });
    expect(seen.map((s) => s.session)).toEqual(['restoring', 'loggedOut', 'loggingIn', 'active']);
    expect(await client.getValidAccessToken()).toBe(fake.state.lastAccess);
    await client.close();
    expect((await done).length).toBe(seen.length);
  });

  it('wrong password rejects with CREDENTIALS_REJECTED and leaves the session loggedOut', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    const error = await client.login({ username: 'ann', password: 'nope' }).catch((e: unknown) => e);
    expect(isSessionError(error, 'CREDENTIALS_REJECTED')).toBe(true);
    expect(client.status.session).toBe('loggedOut');
    expect(client.status.lastError?.code).toBe('CREDENTIALS_REJECTED');
    await expect(client.getValidAccessToken()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
    await client.close();
  });

  it('offline login rejects with NETWORK, and a later login works', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    fake.state.offline = true;
    await expect(client.login({ username: 'ann', password: 'pw' })).rejects.toMatchObject({ code: 'NETWORK' });
    fake.state.offline = false;
    await expect(client.login({ username: 'ann', password: 'pw' })).resolves.toMatchObject({ id: 'ann' });
    await client.close();
  });

  it('concurrent logins are serialised: both resolve, the last one wins', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    const [a, b] = await Promise.all([
      client.login({ username: 'ann', password: 'pw' }),
      client.login({ username: 'bob', password: 'pw' }),
    ]);
    expect([a.id, b.id]).toEqual(['ann', 'bob']);
    expect(client.status).toMatchObject({ session: 'active', userId: 'bob' });
    expect(fake.calls.login).toBe(2);
    await client.close();
  });

  it('on() delivers session changes and unsubscribes; a throwing handler is only logged', async () => {
    const fake = await createFakeAuth();
    const errors: unknown[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string) => errors.push(msg) };
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false, logger });
    const sessions: string[] = [];
    const off = client.on('sessionChanged', (s) => sessions.push(s.session));
    client.on('loggedIn', () => {
      throw new Error('app bug');
    });
    await client.login({ username: 'ann', password: 'pw' });
    off();
    await client.logout();
    expect(sessions).toEqual(['loggedOut', 'loggingIn', 'active']);
    expect(errors).toEqual(["'loggedIn' handler threw; ignored"]);
    expect(client.status.session).toBe('loggedOut');
    await client.close();
  });

  it('close() rejects later calls with CLIENT_CLOSED', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    await client.close();
    await expect(client.getValidAccessToken()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await expect(client.login({ username: 'ann', password: 'pw' })).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});
