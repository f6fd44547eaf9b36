import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { RxJsonSchema } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServicesAuth, createSyncClient, type SessionStatus, type SyncClient } from '../../src/index.ts';
import {
  comeBackOnline, driveToReloginRequired, eventually, goOffline, startInMemoryServer, untilStatus, type InMemoryServer,
} from '../../src/testing/index.ts';

// The README's "Testing your app": a small app that renders a relogin dialog and an offline badge
// from the client, tested with session-sync/testing against a real client and a real loopback server.

// ── the app under test ───────────────────────────────────────────────────────────────────────────
interface View {
  dialog: string | null;
  badge: string | null;
}

/** Renders the session UI into `view` (a stand-in for the DOM) from `client.status` and the hook. */
function sessionUi() {
  const view: View = { dialog: null, badge: null };
  let reloginAsked = false;
  const render = (s: SessionStatus) => {
    if (s.session !== 'refreshExpired') reloginAsked = false;
    view.dialog = reloginAsked ? `Your session ended. Log in to upload ${s.pendingWrites} change(s).` : null;
    view.badge = s.sync === 'offline' ? `Offline: ${s.pendingWrites} change(s) saved on this device` : null;
  };
  let client: SyncClient<any> | null = null;
  return {
    view,
    onReloginRequired: () => {
      reloginAsked = true;
      if (client) render(client.status);
    },
    attach(c: SyncClient<any>) {
      client = c;
      c.status$.subscribe(render);
    },
  };
}

const todoSchema: RxJsonSchema<any> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 }, title: { type: 'string' }, done: { type: 'boolean' }, updatedAt: { type: 'number' } },
  required: ['id', 'title', 'done'],
};

// ── the test ─────────────────────────────────────────────────────────────────────────────────────
describe('an app tests its relogin dialog and offline badge', () => {
  let server: InMemoryServer;
  let userId: string;
  const ui = sessionUi();
  let client: SyncClient<{ todo: { schema: RxJsonSchema<any> } }>;
  const ada = { username: 'ada@example.com', password: 'correct horse' };

  beforeAll(async () => {
    server = await startInMemoryServer();
    ({ userId } = await server.createUser(ada));
    client = createSyncClient({
      auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
      graphql: { url: server.graphqlUrl, timeoutMs: 1_000 },
      storage: getRxStorageMemory(),
      databaseName: 'app-under-test',
      collections: { todo: { schema: todoSchema } },
      onReloginRequired: ui.onReloginRequired,
      wakeSignals: false,
      sync: { pullIntervalMs: 200, retry: { baseMs: 50, maxMs: 200 }, multiInstance: false },
    });
    ui.attach(client);
    await client.start();
    await client.login(ada);
    await client.awaitInSync();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('shows the offline badge while the server is down and clears it once sync resumes', async () => {
    expect(ui.view).toEqual({ dialog: null, badge: null });
    await goOffline(server, client);
    await client.collections.todo.bulkInsert([{ id: 'a', title: 'milk', done: false }, { id: 'b', title: 'eggs', done: false }]);
    await untilStatus(client, (s) => s.pendingWrites === 2);
    expect(ui.view.badge).toBe('Offline: 2 change(s) saved on this device');

    await comeBackOnline(server, client);
    await client.awaitInSync();
    expect(ui.view.badge).toBeNull();
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('shows the relogin dialog with the writes that wait, and pushes them after relogin', async () => {
    await driveToReloginRequired(client, server);
    await eventually(() => ui.view.dialog !== null, { what: 'the relogin dialog' });
    expect(ui.view.dialog).toBe('Your session ended. Log in to upload 0 change(s).');

    await client.collections.todo.insert({ id: 'c', title: 'bread', done: false });
    await untilStatus(client, (s) => s.pendingWrites === 1);
    expect(ui.view.dialog).toBe('Your session ended. Log in to upload 1 change(s).');
    expect(ui.view.badge).toBeNull(); // paused, not offline
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['a', 'b']);

    await client.login(ada);
    await client.awaitInSync();
    expect(ui.view.dialog).toBeNull();
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['a', 'b', 'c']);
  });
});
