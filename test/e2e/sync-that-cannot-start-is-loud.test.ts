import type { RxJsonSchema, RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { appServicesAuth, createSyncClient, isSessionError } from '../../src/index.ts';
import type { Logger, SessionStatus } from '../../src/index.ts';
import {
  createTestUser, startE2EServer, todoSchema, uniqueDatabaseName, untilStatus, type TestUser, type TodoClient, type TodoCollections,
} from './support/e2e-client.ts';

// Loud, never silent: when sync cannot start — no WebSocket, a storage that cannot open, a schema
// RxDB refuses — the session still works, but status.sync says `error` with the cause in
// `syncError`, ready() and awaitInSync() reject with a typed SYNC_UNAVAILABLE error carrying it,
// the logger gets an error, and the outbox is counted from storage wherever a database opened.
type Entry = { level: keyof Logger; msg: string; data?: object };

function recordingLogger(entries: Entry[]): Logger {
  const at = (level: keyof Logger) => (msg: string, data?: object) => void entries.push({ level, msg, ...(data ? { data } : {}) });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// RxDB refuses a string primary key without maxLength (error SC39) when the collection is added.
const refusedSchema: RxJsonSchema<any> = { ...todoSchema, properties: { ...todoSchema.properties, id: { type: 'string' } } };

describe('a sync that cannot start', () => {
  let server: SyncServer;
  let user: TestUser;
  let client: TodoClient | null = null;
  let entries: Entry[];
  let statuses: SessionStatus[];

  beforeAll(async () => {
    server = await startE2EServer();
    user = await createTestUser(server);
  });

  afterEach(async () => {
    await client?.close();
    client = null;
    vi.doUnmock('ws');
    vi.unstubAllGlobals();
  });

  afterAll(async () => {
    await server?.close();
  });

  // Signs in a client with no `sync` options; resolves once status.sync says `error`.
  async function signInBroken(storage: RxStorage<any, any>, schema: RxJsonSchema<any> = todoSchema): Promise<TodoClient> {
    entries = [];
    statuses = [];
    client = createSyncClient<TodoCollections>({
      auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
      graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
      storage,
      databaseName: uniqueDatabaseName(),
      collections: { todo: { schema } },
      wakeSignals: false,
      logger: recordingLogger(entries),
    });
    client.status$.subscribe((s) => statuses.push(s));
    await client.start();
    await client.login({ username: user.username, password: user.password });
    await untilStatus(client, (s) => s.sync === 'error', 'sync error');
    return client;
  }

  // What every cause shares: the status, both waiters, the logger, and no token anywhere.
  async function expectLoud(broken: TodoClient, cause: RegExp): Promise<void> {
    expect(broken.status).toMatchObject({ session: 'active', sync: 'error', syncError: { kind: 'rejected', code: 'SYNC_UNAVAILABLE' } });
    expect(broken.status.syncError!.message).toMatch(cause);
    for (const waiting of [broken.ready(), broken.awaitInSync()]) {
      const error = await waiting.then(() => null, (e: unknown) => e);
      expect(isSessionError(error, 'SYNC_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(cause);
      expect((error as Error).message).not.toMatch(/ready\(\)/);
    }
    const errors = entries.filter((entry) => entry.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ msg: 'sync cannot start for this user', data: expect.objectContaining({ code: 'SYNC_UNAVAILABLE' }) })]);
    expect(JSON.stringify(errors[0]!.data)).toMatch(cause);
    // Never a silent 'off' or a healthy-looking 'running' once signed in.
    const signedIn = statuses.filter((s) => s.session === 'active');
    expect(signedIn.map((s) => s.sync).filter((sync) => sync !== 'off' && sync !== 'error')).toEqual([]);
    const token = await broken.getValidAccessToken();
    const text = JSON.stringify([entries, statuses, broken.status.syncError]);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  }

  it('no WebSocket (globalThis.WebSocket missing, ws not loadable): error, and the outbox is still counted', async () => {
    vi.stubGlobal('WebSocket', undefined); // as on Node 20, also on 22 and 24
    vi.doMock('ws', () => {
      throw new Error("Cannot find package 'ws'");
    });
    const pullsBefore = server.stats().pulls;
    const broken = await signInBroken(getRxStorageMemory());
    // The cause is the failed import (vitest words it its own way), then what to do about it.
    await expectLoud(broken, /no WebSocket implementation for the live stream \(Error: .+\); install the ws package or pass sync\.webSocketImpl/);

    // The database opened: local writes work, and they are counted from storage.
    await broken.collections.todo.bulkInsert([
      { id: 'w1', title: 'one', done: false },
      { id: 'w2', title: 'two', done: false },
    ]);
    expect((await broken.pendingWrites()).todo?.count).toBe(2);
    await untilStatus(broken, (s) => s.pendingWrites === 2, 'status counts the outbox');
    expect(broken.status.sync).toBe('error');
    // Nothing was sent: the held replication only counts.
    expect(server.stats().pulls).toBe(pullsBefore);
    const { pendingWrites } = await broken.logout({ flushTimeoutMs: 200 });
    expect(pendingWrites.todo?.count).toBe(2);
  });

  it('a storage that cannot open (Dexie without IndexedDB): error, and no outbox to count', async () => {
    expect(globalThis.indexedDB).toBeUndefined();
    const broken = await signInBroken(getRxStorageDexie());
    await expectLoud(broken, /user database could not be opened.*IndexedDB API missing.*no outbox to count/);
    const attempts: (() => unknown)[] = [() => broken.collections, () => broken.pendingWrites()];
    for (const attempt of attempts) {
      const error = await Promise.resolve().then(attempt).then(() => null, (e: unknown) => e);
      expect(isSessionError(error, 'SYNC_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/no outbox to count/);
    }
    expect(await broken.logout()).toEqual({ pendingWrites: {} });
  });

  it('a schema RxDB refuses: error naming the RxDB code', async () => {
    const broken = await signInBroken(getRxStorageMemory(), refusedSchema);
    await expectLoud(broken, /user database could not be opened.*SC39/);
    await expect(broken.pendingWrites()).rejects.toMatchObject({ code: 'SYNC_UNAVAILABLE' });
    // The session itself is fine: the user can log out, and logging in again fails the same loud way.
    expect(await broken.logout()).toEqual({ pendingWrites: {} });
    await broken.login({ username: user.username, password: user.password });
    await untilStatus(broken, (s) => s.sync === 'error', 'error again after relogin');
  });
});
