import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { countPendingWrites } from '../../src/sync/pending-writes.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// status.pendingWrites is what a sync badge shows: it must read 0 the moment awaitInSync()
// resolves, fall while a backlog drains, and counting it must not rescan the outbox per page.
describe('pending writes', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { pushBatchSize: 100 });
    await device.sync.resume();
    await device.sync.awaitInSync();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('are 0 in the status as soon as awaitInSync() resolves', async () => {
    for (let round = 0; round < 5; round++) {
      await device.db.collections.todo!.insert({ id: `one-${round}`, title: 'milk', done: false });
      await device.sync.awaitInSync();
      expect(device.sync.status.pendingWrites).toBe(0);
    }
  });

  it('fall in the status while a backlog drains, and are counted in one pass over the outbox', async () => {
    await device.sync.pause();
    await device.db.collections.todo!.bulkInsert(todos(3_000, 'backlog'));
    await until(device.sync.status$, (s) => s.pendingWrites === 3_000);

    // One storage query, although every document of a bulkInsert has the same timestamp.
    const fork = device.sync.collections.todo!.rxReplication.internalReplicationState!.input.forkInstance;
    const query = fork.query.bind(fork);
    let queries = 0;
    fork.query = (q) => ((queries += 1), query(q));
    expect((await countPendingWrites(device.sync.collections.todo!.rxReplication)).count).toBe(3_000);
    fork.query = query;
    expect(queries).toBe(1);

    const shown: number[] = [];
    const sub = device.sync.status$.subscribe((s) => shown.push(s.pendingWrites));
    await device.sync.resume();
    await device.sync.awaitInSync();
    sub.unsubscribe();
    // Answered pushes lower the count as they come (30 batches), down to 0.
    const falling = shown.filter((n, i) => i > 0 && n < shown[i - 1]!);
    expect(falling.length).toBeGreaterThanOrEqual(10);
    expect(shown.at(-1)).toBe(0);
    expect(await server.readDocuments(tokens.userId, 'todo')).toHaveLength(3_005);
  }, 60_000);
});
