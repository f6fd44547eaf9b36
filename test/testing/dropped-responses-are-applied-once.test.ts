import { describe, expect, it } from 'vitest';
import { untilStatus } from '../../src/testing/index.ts';
import { signedInKitClient } from './support/kit-fixtures.ts';

// dropResponses applies a request and cuts the connection instead of answering: the client never
// hears back, sends the push again, and the server holds each document once, with no conflict.
describe('dropResponses', () => {
  const user = { username: 'hal@example.com', password: 'pw-hal-1' };
  const stage = signedInKitClient(user);

  it('applies the push, drops its answer, and the retry is applied once', async () => {
    const before = stage.server.stats();
    stage.server.dropResponses(1);
    await stage.client.collections.todo.insert({ id: 'd1', title: 'once', done: false });
    await stage.client.awaitInSync();
    await untilStatus(stage.client, (s) => s.pendingWrites === 0, { what: 'outbox drained' });
    const after = stage.server.stats();
    expect(after.droppedResponses - before.droppedResponses).toBe(1);
    expect(after.conflicts).toBe(before.conflicts);
    expect(after.pushedDocuments - before.pushedDocuments).toBe(1);
    expect((await stage.server.readDocuments(stage.userId, 'todo')).map((d) => d.id)).toEqual(['d1']);
  });
});
