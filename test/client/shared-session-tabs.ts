import { expect } from 'vitest';
import type { AuthContext } from '../../src/auth/auth-adapter.ts';
import { createSyncClient, type SyncClient } from '../../src/client/sync-client.ts';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import { inProcessRefreshLock, type RefreshLock } from '../../src/session/refresh-lock.ts';
import type { SessionStore } from '../../src/session/session-store.ts';
import { createFakeAuth, type FakeAuth } from './fake-auth.ts';

// Two tabs of one app in one process: two clients on one (named) session store and one lock. The
// fake server rotates refresh tokens with reuse detection, as strict servers do: presenting a
// replaced refresh token revokes the whole session.
export function rotatingServer(fake: FakeAuth) {
  let current = '';
  const stats = { refreshes: 0, refreshFailures: 0, reuse: 0 };
  const auth = {
    async login(credentials: { username: string; password: string }, ctx: AuthContext) {
      const grant = await fake.auth.login(credentials, ctx);
      current = grant.refreshToken ?? '';
      return grant;
    },
    async refresh(refreshToken: string, ctx: AuthContext) {
      stats.refreshes++;
      if (refreshToken !== current || current === '') {
        if (current !== '') stats.reuse++;
        current = '';
        stats.refreshFailures++;
        throw Object.assign(new Error('invalid session'), { status: 401 });
      }
      const grant = await fake.auth.refresh(refreshToken, ctx);
      current = `${refreshToken.split('~')[0]}~${stats.refreshes}`;
      return { ...grant, refreshToken: current };
    },
    async logout() {
      current = '';
    },
    revoke: () => {
      current = '';
    },
  };
  return { auth, stats };
}

/**
 * Tab A logs in, tab B starts from the stored session; both are pushed to `clients` for closing.
 */
export async function openTwoTabs(clients: SyncClient[]) {
  const fake = await createFakeAuth({ accessTtlSec: 1800 });
  const server = rotatingServer(fake);
  const store: SessionStore = { ...memorySessionStore(), name: `tabs-${Math.random()}` };
  const lock: RefreshLock = inProcessRefreshLock();
  const open = () => {
    const client = createSyncClient({ auth: server.auth, sessionStore: store, refreshLock: lock, wakeSignals: false });
    clients.push(client);
    return client;
  };
  const a = open();
  await a.login({ username: 'ann', password: 'pw' });
  const b = open();
  await b.start();
  expect(b.status.session).toBe('active');
  return { fake, server, store, a, b };
}
