import { describe, expect, it } from 'vitest';
import { comeBackOnline, eventually, goOffline } from '../../src/testing/index.ts';
import { signedInKitClient } from './support/kit-fixtures.ts';

// goDown cuts every connection and refuses new ones, as a crashed server; the client shows
// `offline`, stays signed in, and syncs what waited once the server comes back.
describe('goDown and comeBack', () => {
  const user = { username: 'ivy@example.com', password: 'pw-ivy-1' };
  const stage = signedInKitClient(user);

  it('fails requests at the network level while down', async () => {
    stage.server.goDown();
    expect(stage.server.isDown).toBe(true);
    await expect(fetch(stage.server.graphqlUrl, { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
    stage.server.comeBack();
    expect(stage.server.isDown).toBe(false);
    // The first request after may still meet a pooled connection the outage cut (fetch shares one pool
    // with the stage.client): like any stage.client, try again.
    const answered = () => fetch(stage.server.graphqlUrl, { method: 'POST', body: '{}' }).then((res) => res.status, () => null);
    await eventually(async () => (await answered()) === 401, { what: 'a 401 from the server that is back' });
  });

  it('takes a client offline and back, keeping its writes and its session', async () => {
    const offline = await goOffline(stage.server, stage.client);
    expect(offline?.syncError?.kind).toBe('transient');
    await stage.client.collections.todo.insert({ id: 'o1', title: 'written offline', done: false });
    const back = await comeBackOnline(stage.server, stage.client);
    expect(back?.session).toBe('active');
    await stage.client.awaitInSync();
    expect((await stage.server.readDocuments(stage.userId, 'todo')).map((d) => d.id)).toEqual(['o1']);
  });
});
