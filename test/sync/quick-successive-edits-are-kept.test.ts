import { defaultConflictHandler } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { startTestServer } from '../helpers/server-lanes.ts';
import { openDevice } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// The server assigns updatedAt, so an edit pushed before the server's version of the previous push
// has come back carries the device's own updatedAt. The reference server compares content, so that
// is no conflict: even RxDB's plain server-wins handler keeps every edit. Without the live stream
// the echo never comes here, which keeps that window open for every edit.
describe('quick successive edits of one document', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const conflicts: unknown[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { wsUrl: undefined, pullIntervalMs: 3_600_000, conflictHandler: defaultConflictHandler });
    device.sync.conflict$.subscribe((conflict) => conflicts.push(conflict));
    await device.sync.resume();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('keeps every edit, with no conflict, under RxDB\'s default conflict handler', async () => {
    const todo = device.db.collections.todo!;
    await todo.insert({ id: 'q1', title: 'first', done: false });
    await device.sync.awaitInSync();
    for (const title of ['second', 'third']) {
      await (await todo.findOne('q1').exec())!.incrementalPatch({ title });
      await device.sync.awaitInSync();
    }

    const [onServer] = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer).toMatchObject({ id: 'q1', title: 'third' });
    expect((await todo.findOne('q1').exec())!.title).toBe('third');
    expect(conflicts).toEqual([]);
    expect(server.stats().conflicts).toBe(0);
  });
});
