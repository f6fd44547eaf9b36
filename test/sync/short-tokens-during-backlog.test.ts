import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// Access tokens living 1 s expire again and again while a 5,000-document backlog is pushed:
// nothing lost, nothing doubled, and one refresh per expired token however many requests saw it.
describe('1-second access tokens during a 5,000-document backlog', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer({ accessTokenTtlSec: 1 });
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { pushBatchSize: 50 });
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('ends with every document on the server once, one refresh per expiry', async () => {
    const todo = device.db.collections.todo!;
    const all = todos(5000, 'b');
    await todo.bulkInsert(all.slice(0, 2500));
    const startedAt = Date.now();
    await device.sync.resume();
    // The rest arrives while the backlog drains, so pushes keep going across several expiries.
    for (let i = 2500; i < 5000; i += 250) {
      await todo.bulkInsert(all.slice(i, i + 250));
      await device.sync.awaitInSync();
    }
    await device.sync.awaitInSync();
    const seconds = (Date.now() - startedAt) / 1000;

    const onServer = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer).toHaveLength(5000);
    expect(new Set(onServer.map((d) => d.id)).size).toBe(5000);
    expect(server.stats().pushedDocuments).toBe(5000);
    expect((await device.sync.pendingWrites()).todo!.count).toBe(0);

    // Expiries happened (the test is not vacuous) and each rejected generation was refreshed once.
    expect(tokens.refreshes).toBeGreaterThanOrEqual(1);
    expect(tokens.refreshes).toBe(new Set(tokens.rejections).size);
    expect(tokens.refreshes).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  }, 120_000);
});
