import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comeBackOnline, eventually, goOffline, startInMemoryServer, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, type TodoClient } from './support/kit-fixtures.ts';

// goDown cuts every connection and refuses new ones, as a crashed server; the client shows
// `offline`, stays signed in, and syncs what waited once the server comes back.
describe('goDown and comeBack', () => {
  let server: InMemoryServer;
  let client: TodoClient;
  let userId: string;
  const user = { username: 'ivy@example.com', password: 'pw-ivy-1' };
  beforeAll(async () => {
    server = await startInMemoryServer();
    ({ userId } = await server.createUser(user));
    client = kitClient(server);
    await client.start();
    await client.login(user);
    await client.awaitInSync();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('fails requests at the network level while down', async () => {
    server.goDown();
    expect(server.isDown).toBe(true);
    await expect(fetch(server.graphqlUrl, { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
    server.comeBack();
    expect(server.isDown).toBe(false);
    // The first request after may still meet a pooled connection the outage cut (fetch shares one pool
    // with the client): like any client, try again.
    const answered = () => fetch(server.graphqlUrl, { method: 'POST', body: '{}' }).then((res) => res.status, () => null);
    await eventually(async () => (await answered()) === 401, { what: 'a 401 from the server that is back' });
  });

  it('takes a client offline and back, keeping its writes and its session', async () => {
    const offline = await goOffline(server, client);
    expect(offline?.syncError?.kind).toBe('transient');
    await client.collections.todo.insert({ id: 'o1', title: 'written offline', done: false });
    const back = await comeBackOnline(server, client);
    expect(back?.session).toBe('active');
    await client.awaitInSync();
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['o1']);
  });
});
