import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReloginInfo } from '../../src/index.ts';
import { driveToReloginRequired, eventually, startInMemoryServer, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, type TodoClient } from './support/kit-fixtures.ts';

// revokeSessions and expireSession end the session on the server; driveToReloginRequired makes the
// client notice at once: refreshExpired, sync paused, the hook called once; a relogin resumes.
describe.each(['revoke', 'expire'] as const)('a session ended by %s', (how) => {
  let server: InMemoryServer;
  let client: TodoClient;
  const hook: ReloginInfo[] = [];
  const user = { username: 'cy@example.com', password: 'pw-cy-12' };

  beforeEach(async () => {
    hook.length = 0;
    server = await startInMemoryServer();
    await server.createUser(user);
    client = kitClient(server, { onReloginRequired: (info) => void hook.push(info) });
    await client.start();
    await client.login(user);
    await client.awaitInSync();
  });
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('needs a relogin, and sync resumes after it', async () => {
    const status = await driveToReloginRequired(client, server, { how });
    expect(status).toMatchObject({ session: 'refreshExpired', reloginReason: 'refreshRejected' });
    expect(server.stats().refreshFailures).toBeGreaterThanOrEqual(1);
    // The hook follows the pause once the waiting writes are counted.
    await eventually(() => hook.length === 1, { what: 'onReloginRequired' });
    expect(hook[0]).toMatchObject({ reason: 'refreshRejected', pendingWrites: { todo: { count: 0 } } });
    await client.login(user);
    await client.awaitInSync();
    expect(client.status.session).toBe('active');
  });
});
