import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { graphql, PUSH_TODO, signedInUser, type SignedInUser } from '../helpers/server-requests.ts';
import { startE2EServer, todoClient, todos, untilStatus, type TodoClient } from './support/e2e-client.ts';

// A new device of a user who has 10,000 documents on the server: after login it pulls them all,
// and status.initialSync shows the progress until done. Prints the measured throughput.
describe('initial sync of 10,000 documents', () => {
  let server: SyncServer;
  let user: SignedInUser;
  let client: TodoClient;

  beforeAll(async () => {
    server = await startE2EServer();
    user = await signedInUser(server);
    const rows = todos(10_000, 'seed').map((t) => ({ newDocumentState: { ...t, deleted: false } }));
    for (let i = 0; i < rows.length; i += 1_000) {
      const answer = await graphql(server, user.accessToken, PUSH_TODO, { rows: rows.slice(i, i + 1_000) });
      expect(answer.status).toBe(200);
    }
    client = todoClient(server, { sync: { pullBatchSize: 500 } });
    await client.start();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('pulls every document with progress in status', async () => {
    const progress: number[] = [];
    client.status$.subscribe((s) => progress.push(s.initialSync.pulled));
    const startedAt = performance.now();
    await client.login({ username: user.username, password: user.password });
    await untilStatus(client, (s) => s.initialSync.done, 'initial sync done', 60_000);
    await client.awaitInSync();
    const ms = performance.now() - startedAt;

    expect(await client.collections.todo.count().exec()).toBe(10_000);
    expect(client.status.initialSync).toEqual({ pulled: 10_000, done: true });
    expect(progress.filter((n) => n > 0 && n < 10_000).length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(client.status.lastPulledAt).not.toBeNull();
    console.info(`[measure] initial sync through createSyncClient: 10,000 docs in ${Math.round(ms)} ms = ${Math.round(10_000 / (ms / 1000))} docs/s`);
  });
});
