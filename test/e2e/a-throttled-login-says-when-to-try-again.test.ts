import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { isSessionError } from '../../src/index.ts';
import { createTestUser, signIn, startE2EServer, todoClient, until, type TestUser, type TodoClient } from './support/e2e-client.ts';

// The reference server at its defaults locks an account after 10 failed logins in 15 minutes. The
// client turns the 429 into a RATE_LIMITED error that says how long to wait, stays logged out
// (nothing is retried behind the app's back), and the right password works once the wait is over.
describe('a throttled login', () => {
  let server: SyncServer;
  let user: TestUser;
  let client: TodoClient;

  beforeAll(async () => {
    server = await startE2EServer();
    user = await createTestUser(server);
    client = todoClient(server);
    await client.start();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  const loginError = async (password: string) => {
    try {
      await client.login({ username: user.username, password });
    } catch (error) {
      if (isSessionError(error)) return error;
      throw error;
    }
    throw new Error('login succeeded');
  };

  it('rejects with RATE_LIMITED and Retry-After, then lets the right password in once the wait is over', async () => {
    for (let i = 0; i < 10; i++) expect((await loginError('wrong password')).code).toBe('CREDENTIALS_REJECTED');

    const throttled = await loginError(user.password);
    expect(throttled.code).toBe('RATE_LIMITED');
    expect(throttled.retryAfterMs).toBeGreaterThan(60_000);
    expect(throttled.retryAfterMs).toBeLessThanOrEqual(15 * 60_000);
    expect(client.status.session).toBe('loggedOut');

    // Another user of the same server is served meanwhile.
    const other = todoClient(server);
    try {
      await signIn(other, await createTestUser(server));
      expect(other.status.session).toBe('active');
    } finally {
      await other.close();
    }

    server.shiftClock(throttled.retryAfterMs! + 1_000);
    await signIn(client, user);
    await client.collections.todo.insert({ id: 'after-the-wait', title: 'in', done: false });
    await client.awaitInSync();
    await until(client.status$, (s) => s.pendingWrites === 0, 'the write pushed');
    expect((await server.readDocuments(user.userId, 'todo')).map((d) => d.id)).toEqual(['after-the-wait']);
  });
});
