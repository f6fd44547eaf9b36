import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// A document the server refuses (here BAD_USER_INPUT: its title ends in half an emoji, as `slice`
// leaves it, which the database cannot store) is set aside with its reason; the rest of the outbox
// keeps flowing, and the app can retry or discard it.
const CUT_TITLE = 'party 🎉'.slice(0, -1);

describe('a refused document', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens);
    await device.sync.resume();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('does not hold back the other documents of its batch or later ones', async () => {
    const todoCollection = device.db.collections.todo!;
    await todoCollection.bulkInsert([...todos(10, 'mine'), { id: 'cut-1', title: CUT_TITLE, done: false }, ...todos(10, 'also')]);
    await device.sync.awaitInSync();
    await todoCollection.bulkInsert(todos(5, 'later'));
    await device.sync.awaitInSync();

    const onServer = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer.map((d) => d.id).sort()).toEqual([...todos(10, 'also'), ...todos(5, 'later'), ...todos(10, 'mine')].map((t) => t.id));
    expect((await device.sync.pendingWrites()).todo!.count).toBe(0);
  });

  it('is listed with its reason, in status and on rejected$', async () => {
    const [rejected] = await until(device.sync.rejected$, (list) => list.length === 1);
    expect(rejected).toMatchObject({ collection: 'todo', documentId: 'cut-1', code: 'BAD_USER_INPUT' });
    expect(rejected!.reason).toContain('field "title" contains a lone UTF-16 surrogate');
    expect(rejected!.document).toMatchObject({ id: 'cut-1', title: CUT_TITLE });
    await until(device.sync.status$, (s) => s.rejected === 1);
  });

  it('stays listed when a retry is refused again', async () => {
    expect(await device.sync.retryRejected('todo', 'cut-1')).toBe('rejected');
    expect(await until(device.sync.rejected$, (list) => list.length === 1)).toHaveLength(1);
  });

  it('is removed locally on discard, without pushing anything', async () => {
    const refusalsBefore = server.stats().refusedDocuments;
    await device.sync.discardRejected('todo', 'cut-1');
    expect(await device.db.collections.todo!.findOne('cut-1').exec()).toBeNull();
    await until(device.sync.rejected$, (list) => list.length === 0);
    await device.sync.awaitInSync();
    expect(server.stats().refusedDocuments).toBe(refusalsBefore);
    expect((await server.readDocuments(tokens.userId, 'todo')).some((d) => d.id === 'cut-1')).toBe(false);
  });
});
