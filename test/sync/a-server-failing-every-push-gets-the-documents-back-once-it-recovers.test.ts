import { afterEach, describe, expect, it } from 'vitest';
import { todos } from './support/sync-fixture.ts';
import { openPlainDevice } from './support/plain-device.ts';
import type { PlainDevice } from './support/plain-device.ts';
import { startWholeBatchFailingServer } from './support/whole-batch-failing-server.ts';
import type { WholeBatchFailingServer } from './support/whole-batch-failing-server.ts';
import { until } from './support/until.ts';

// A server broken for writes (every push a 500) looks like a batch of nothing but poison. The
// client splits the batch all the same, but sets no document aside while nothing of its batch has
// landed: those wait until the rest was tried, then get a long patience alone. A server that
// recovers meanwhile gets every document; one that stays broken gets them set aside one by one,
// late, and they stay local for a retry.
describe('a server failing every push', () => {
  const token = 'broken-token';
  let server: WholeBatchFailingServer;
  let device: PlainDevice;

  afterEach(async () => {
    await device?.close();
    await server?.close();
  });

  it('gets every document once it recovers, with none set aside, though some had failed alone', async () => {
    // 10 rows: splitting them down to single documents takes 57 failures; 40 leaves several failed alone.
    server = await startWholeBatchFailingServer('http500', token, { failFirstPushes: 40 });
    device = await openPlainDevice(server.graphqlUrl, token);
    const docs = todos(10, 'down');
    await device.todo.bulkInsert(docs);
    await device.sync.resume();
    await device.sync.awaitInSync();

    expect(server.pushes.failed).toBe(40);
    const failedAlone = server.pushes.sizes.slice(0, 40).filter((size) => size === 1).length;
    expect(failedAlone).toBeGreaterThanOrEqual(3);
    // The deferred ones land after the rest of their batch.
    expect(server.documents().map((doc) => doc.id).sort()).toEqual(docs.map((d) => d.id));
    expect(docs.every((d) => server.accepted.get(d.id) === 1)).toBe(true);
    expect(device.sync.status).toMatchObject({ rejected: 0, pendingWrites: 0 });
  });

  it('sets a lone document aside only after it failed alone 3 + 20 times, and it stays local for a retry', async () => {
    server = await startWholeBatchFailingServer('http500', token, { failFirstPushes: 1_000 });
    device = await openPlainDevice(server.graphqlUrl, token);
    await device.todo.insert({ id: 'lonely', title: 'written during an outage', done: false });
    await device.sync.resume();

    const [rejected] = await until(device.sync.rejected$, (list) => list.length === 1);
    expect(server.pushes.failed).toBe(23);
    expect(rejected).toMatchObject({ documentId: 'lonely', code: 'HTTP_500' });
    expect(rejected!.reason).toContain('no other write was accepted meanwhile');
    expect(await device.todo.findOne('lonely').exec()).not.toBeNull();
  });
});
