import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// The server stamps updatedAt on every pushed document and sends it back (the live stream's echo,
// the pull after a backlog). Equal but for that field, it must not be written locally a second time.
describe('the echo of a pushed document', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let writer: Device;
  let reader: Device;
  const pulledWrites: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    writer = await openDevice(server, tokens);
    reader = await openDevice(server, tokens);
    writer.db.collections.todo!.eventBulks$.subscribe((bulk) => {
      if (bulk.context.startsWith('replication-downstream')) pulledWrites.push(...bulk.events.map((e) => e.documentId));
    });
    await Promise.all([writer.sync.resume(), reader.sync.resume()]);
    await Promise.all([writer.sync.awaitInSync(), reader.sync.awaitInSync()]);
  }, SERVER_START_MS);

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await server?.close();
  });

  it('costs no local write when it comes back on the live stream', async () => {
    await writer.db.collections.todo!.insert({ id: 'live-1', title: 'milk', done: false });
    await writer.sync.awaitInSync();
    // The other device got it from the same stream broadcast, with the server's updatedAt.
    const there = await until(reader.db.collections.todo!.findOne('live-1').$, (doc) => doc !== null);
    expect(there!.updatedAt).toBeGreaterThan(0);
    await writer.sync.awaitInSync();

    expect(pulledWrites).toEqual([]);
    expect((await writer.db.collections.todo!.findOne('live-1').exec())!.title).toBe('milk');
  });

  it('costs no local write when a backlog is pulled back after its push', async () => {
    await writer.sync.pause();
    await writer.db.collections.todo!.bulkInsert(todos(300, 'backlog'));
    await writer.sync.resume();
    await writer.sync.awaitInSync();
    await until(reader.db.collections.todo!.count().$, (n) => n === 301);

    expect(pulledWrites).toEqual([]);
    expect(await server.readDocuments(tokens.userId, 'todo')).toHaveLength(301);
  });

  it('is still written when the server changed the content', async () => {
    const doc = await reader.db.collections.todo!.findOne('live-1').exec();
    await doc!.incrementalPatch({ done: true });
    await until(writer.db.collections.todo!.findOne('live-1').$, (d) => d?.done === true);

    expect(pulledWrites).toEqual(['live-1']);
  });
});
