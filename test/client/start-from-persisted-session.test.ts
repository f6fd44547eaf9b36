import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { fileSessionStore } from '../../src/session/file-session-store.ts';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import type { SessionStore } from '../../src/session/session-store.ts';
import { createFakeAuth, type FakeAuth } from './fake-auth.ts';

const MINUTE = 60_000;

describe('start() from a persisted session', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  // A first client logs in and closes; its store is what the second client starts from.
  async function persisted(fake: FakeAuth, store: SessionStore) {
    const first = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false });
    await first.login({ username: 'ann', password: 'pw' });
    await first.close();
    return (await store.load())!;
  }

  it('fresh session → active without any request', async () => {
    const fake = await createFakeAuth();
    const store = memorySessionStore();
    const stored = await persisted(fake, store);
    const client = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false });
    expect((await client.start()).session).toBe('active');
    expect(await client.getValidAccessToken()).toBe(stored.accessToken);
    expect(fake.calls.refresh).toBe(0);
    expect(client.user).toMatchObject({ id: 'ann', customData: { plan: 'free' } });
    await client.close();
  });

  it('access token expired → refreshing, and the first token request waits for the new token', async () => {
    const fake = await createFakeAuth();
    const store = memorySessionStore();
    const stored = await persisted(fake, store);
    vi.setSystemTime(Date.now() + 45 * MINUTE);
    const client = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false });
    expect((await client.start()).session).toBe('refreshing');
    const token = await client.getValidAccessToken();
    expect(token).not.toBe(stored.accessToken);
    expect(token).toBe(fake.state.lastAccess);
    expect(fake.calls.refresh).toBe(1);
    expect((await store.load())?.accessToken).toBe(token);
    await client.close();
  });

  it('refresh token known expired → refreshExpired and one hook call, with no request', async () => {
    const fake = await createFakeAuth({ refreshTtlSec: 3600 });
    const store = memorySessionStore();
    await persisted(fake, store);
    vi.setSystemTime(Date.now() + 2 * 60 * MINUTE);
    const hook = vi.fn();
    const client = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false, onReloginRequired: hook });
    expect((await client.start()).session).toBe('refreshExpired');
    expect(hook).toHaveBeenCalledTimes(1);
    expect(hook).toHaveBeenCalledWith({ userId: 'ann', reason: 'refreshExpired', lastError: null, pendingWrites: {} });
    expect(fake.calls.refresh).toBe(0);
    await client.close();
  });

  it('a file store round-trips the session across clients and logout deletes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'session-sync-start-'));
    try {
      const fake = await createFakeAuth();
      const path = join(dir, 'session.json');
      await persisted(fake, fileSessionStore({ path }));
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 1, userId: 'ann' });
      const client = createSyncClient({ auth: fake.auth, sessionStore: fileSessionStore({ path }), wakeSignals: false });
      expect((await client.start()).session).toBe('active');
      await client.logout();
      await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      await client.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a store that fails to load starts loggedOut instead of throwing', async () => {
    const fake = await createFakeAuth();
    const broken: SessionStore = { load: async () => Promise.reject(new Error('disk')), save: async () => {}, clear: async () => {} };
    const client = createSyncClient({ auth: fake.auth, sessionStore: broken, wakeSignals: false });
    expect((await client.start()).session).toBe('loggedOut');
    await client.close();
  });
});
