import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { noteSchema, openDevice, todos, todoSchema } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// Several collections share one session: one expired token is refreshed once for all of them,
// and each resumes from its own checkpoint.
describe('collections sharing one session', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { collections: { todo: { schema: todoSchema }, note: { schema: noteSchema } } });
    await device.sync.resume();
    await device.sync.awaitInSync();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('refresh once for an expiry seen by every collection, then both push', async () => {
    server.shiftClock(31 * 60_000);
    await Promise.all([
      device.db.collections.todo!.bulkInsert(todos(40, 'multi')),
      device.db.collections.note!.bulkInsert(Array.from({ length: 40 }, (_, i) => ({ id: `n-${i}`, body: `note ${i}` }))),
    ]);
    await device.sync.awaitInSync();

    expect(tokens.refreshes).toBe(1);
    expect(await server.readDocuments(tokens.userId, 'todo')).toHaveLength(40);
    expect(await server.readDocuments(tokens.userId, 'note')).toHaveLength(40);
    expect(Object.keys(device.sync.status.collections).sort()).toEqual(['note', 'todo']);
    await until(device.sync.status$, (s) => s.pendingWrites === 0);
  });
});
