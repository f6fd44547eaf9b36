import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { eventually, until } from './support/until.ts';

// Two devices of one user, each with its own database, converge through the live stream alone:
// the poll interval is far beyond the test, so only websocket events can carry the changes.
describe('two devices of one user', () => {
  let server: SyncServer;
  let a: Device;
  let b: Device;
  let userId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const tokens = await TestTokenSource.forNewUser(server);
    userId = tokens.userId;
    a = await openDevice(server, tokens, { pullIntervalMs: 3_600_000 });
    b = await openDevice(server, tokens, { pullIntervalMs: 3_600_000 });
    await Promise.all([a.sync.resume(), b.sync.resume()]);
    await Promise.all([a.sync.awaitInSync(), b.sync.awaitInSync()]);
  }, SERVER_START_MS);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.close();
  });

  it('sees the other device’s inserts, updates and deletes over the stream', async () => {
    const todoA = a.db.collections.todo!;
    const todoB = b.db.collections.todo!;
    await todoA.bulkInsert(todos(50, 'a'));
    await until(todoB.count().$, (n) => n === 50);

    const doc = await todoB.findOne('a-00007').exec();
    await doc!.incrementalPatch({ done: true, title: 'changed on b' });
    await until(todoA.findOne('a-00007').$, (d) => d?.title === 'changed on b');

    await (await todoA.findOne('a-00003').exec())!.remove();
    await until(todoB.findOne('a-00003').$, (d) => d === null);

    await Promise.all([a.sync.awaitInSync(), b.sync.awaitInSync()]);
    const onServer = await server.readDocuments(userId, 'todo');
    expect(onServer.filter((d) => !d.deleted)).toHaveLength(49);
    expect(onServer.find((d) => d.id === 'a-00007')).toMatchObject({ title: 'changed on b', done: true });
  });

  it('keeps exactly one subscription per device', async () => {
    await eventually(() => server.stats().activeStreams === 2);
    expect(server.stats().activeStreams).toBe(2);
  });
});
