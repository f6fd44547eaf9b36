import { describe, expect, it } from 'vitest';
import { comeBackOnline, eventually, goOffline } from '../../src/testing/index.ts';
import { signedInKitClient } from './support/kit-fixtures.ts';

// restore(backup) puts the in-memory server's documents back as a backup held them: what the server
// accepted after it is gone. A client whose checkpoint the server no longer knows runs a client reset:
// it pushes back what the server lost and its own unsynced writes, and pulls from the start.
describe('backup and restore', () => {
  const user = { username: 'rex@example.com', password: 'pw-rex-1' };
  const stage = signedInKitClient(user);

  it('a client whose checkpoint the restored server does not know pushes back what it lost and keeps its unsynced writes', async () => {
    const todo = stage.client.collections.todo;
    await todo.insert({ id: 'a', title: 'before the backup', done: false });
    await stage.client.awaitInSync();
    const backup = stage.server.backup();
    await todo.insert({ id: 'b', title: 'after the backup', done: false });
    await todo.upsert({ id: 'a', title: 'edited after the backup', done: false });
    await stage.client.awaitInSync();
    // The client pulls the server's echo of its writes within a poll (at once over a live stream): only
    // then is its checkpoint past the backup. A restore within that window goes unnoticed (README).
    const pulls = stage.server.stats().pulls;
    await eventually(() => stage.server.stats().pulls >= pulls + 2, { what: 'the echo pulled' });

    await goOffline(stage.server, stage.client);
    await todo.upsert({ id: 'a', title: 'edited after the backup', done: true }); // unsynced, on top of a state the backup lacks
    await todo.insert({ id: 'c', title: 'written offline', done: false });
    stage.server.restore(backup);
    expect((await stage.server.readDocuments(stage.userId, 'todo')).map((d) => [d.id, d['title']])).toEqual([['a', 'before the backup']]);
    await comeBackOnline(stage.server, stage.client);
    await stage.client.awaitInSync();

    const onServer = (await stage.server.readDocuments(stage.userId, 'todo')).map((d) => [d.id, d['title'], d['done']]);
    expect(onServer.sort()).toEqual([['a', 'edited after the backup', true], ['b', 'after the backup', false], ['c', 'written offline', false]]);
    const local = (await todo.find().exec()).map((d) => [d.id, d.title, d.done]);
    expect(local.sort()).toEqual(onServer.sort());
  });
});
