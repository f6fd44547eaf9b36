import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../examples/server/start-server.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// The server assigns updatedAt and detects conflicts with it, so an edit pushed before the server's
// version of the previous push has come back looks like a conflict with the device's own write.
// Without the live stream the echo never comes here, which makes that window permanent.
describe('quick successive edits of one document', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const conflicts: unknown[] = [];

  beforeAll(async () => {
    server = await startServer({ port: 0 });
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { wsUrl: undefined, pullIntervalMs: 3_600_000 });
    device.sync.conflict$.subscribe((conflict) => conflicts.push(conflict));
    await device.sync.resume();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('keeps every edit instead of letting the device lose to its own earlier write', async () => {
    const todo = device.db.collections.todo!;
    await todo.insert({ id: 'q1', title: 'first', done: false });
    await device.sync.awaitInSync();
    for (const title of ['second', 'third']) {
      await (await todo.findOne('q1').exec())!.incrementalPatch({ title });
      await device.sync.awaitInSync();
    }
    await device.sync.awaitInSync();

    const [onServer] = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer).toMatchObject({ id: 'q1', title: 'third' });
    expect((await todo.findOne('q1').exec())!.title).toBe('third');
    // The spurious conflicts were seen and resolved in favour of the edit.
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
  });
});
