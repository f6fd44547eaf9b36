import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { eventually, until } from './support/until.ts';

// What refreshExpired does to sync: pause (never cancel), keep every local write, send nothing,
// and after the relogin push the whole backlog, each document exactly once.
describe('a backlog written while paused', () => {
  let server: SyncServer;
  let device: Device;
  let tokens: TestTokenSource & { username: string; password: string };
  // Requests the device has sent that have not been answered: one begun before pause() still lands.
  const inFlight = new Set<Promise<Response>>();
  const trackingFetch: typeof fetch = (input, init) => {
    const response = fetch(input, init);
    inFlight.add(response);
    void response.finally(() => inFlight.delete(response)).catch(() => undefined);
    return response;
  };
  const answered = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { fetch: trackingFetch });
    await device.sync.resume();
    await device.sync.awaitInSync();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('sends nothing while paused, counts the pending writes, then pushes all 1,000 once', async () => {
    await device.sync.pause();
    tokens.expireSession();
    // The pull a stream asks for once its subscription is live may have begun just before the pause.
    await answered();
    const before = server.stats();
    const startedAt = Date.now();

    const todo = device.db.collections.todo!;
    for (const batch of chunk(todos(1000, 'p'), 100)) await todo.bulkInsert(batch);

    const pending = await device.sync.pendingWrites();
    expect(pending.todo!.count).toBe(1000);
    expect(pending.todo!.oldestAt).toBeGreaterThanOrEqual(startedAt - 1);
    expect(device.sync.status.sync).toBe('paused');
    await until(device.sync.status$, (s) => s.pendingWrites === 1000);
    const during = server.stats();
    expect(during.pulls + during.pushes).toBe(before.pulls + before.pushes);
    await eventually(() => server.stats().activeStreams === 0);

    await tokens.relogin(tokens.username, tokens.password);
    await device.sync.resume();
    await device.sync.awaitInSync();

    const onServer = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer).toHaveLength(1000);
    expect(new Set(onServer.map((d) => d.id)).size).toBe(1000);
    expect(server.stats().pushedDocuments - before.pushedDocuments).toBe(1000);
    expect((await device.sync.pendingWrites()).todo!.count).toBe(0);
    await until(device.sync.status$, (s) => s.pendingWrites === 0 && s.sync === 'running' && s.lastPushedAt !== null);
    await eventually(() => server.stats().activeStreams === 1);
  }, 120_000);
});

function chunk<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
}
