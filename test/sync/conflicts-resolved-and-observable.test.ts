import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// Two devices edit the same document while one is paused: the server reports a conflict, the
// collection's handler resolves it (server wins by default), the app sees it on conflict$, and
// both devices converge.
describe('a conflicting edit', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let a: Device;
  let b: Device;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    a = await openDevice(server, tokens);
    b = await openDevice(server, tokens);
    await Promise.all([a.sync.resume(), b.sync.resume()]);
  }, SERVER_START_MS);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.close();
  });

  it('is resolved server-wins, reported on conflict$, and both devices converge', async () => {
    await a.db.collections.todo!.insert({ id: 'c1', title: 'original', done: false });
    // Both devices hold the same version before editing: A pushed it, B pulled it from the stream.
    await a.sync.awaitInSync();
    await until(b.db.collections.todo!.findOne('c1').$, (doc) => doc?.updatedAt !== undefined);

    await b.sync.pause();
    const onA = await a.db.collections.todo!.findOne('c1').exec();
    await onA!.incrementalPatch({ title: 'from a' });
    await a.sync.awaitInSync();
    const onB = await b.db.collections.todo!.findOne('c1').exec();
    await onB!.incrementalPatch({ title: 'from b', done: true });

    const conflict = until(b.sync.conflict$, () => true);
    await b.sync.resume();
    const seen = await conflict;
    expect(seen.collection).toBe('todo');
    expect(seen.output).toMatchObject({ id: 'c1', title: 'from a' });
    await b.sync.awaitInSync();

    expect((await b.db.collections.todo!.findOne('c1').exec())!.title).toBe('from a');
    expect((await server.readDocuments(tokens.userId, 'todo')).find((d) => d.id === 'c1')).toMatchObject({ title: 'from a', done: false });
  });
});
