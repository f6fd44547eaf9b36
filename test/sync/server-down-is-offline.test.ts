import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import type { FaultProxy } from '../helpers/fault-proxy.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// Offline is not expired: a server that refuses connections or never answers makes sync
// `offline`, never touches the token, and sync resumes on its own once the server is back.
describe('a server that is down', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let tokens: TestTokenSource;
  let device: Device;
  const failures: ClassifiedFailure[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy(server.port);
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, {
      graphqlUrl: `${proxy.origin}/graphql`,
      wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`,
      timeoutMs: 300,
      onFailure: (failure) => failures.push(failure),
    });
    await device.sync.resume();
    await device.sync.awaitInSync();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await proxy?.close();
    await server?.close();
  });

  it.each([{ kind: 'refuse' as const }, { kind: 'blackhole' as const }])('$kind → offline, then back in sync', async (fault) => {
    failures.length = 0;
    proxy.setMode(fault);
    const prefix = fault.kind;
    await device.db.collections.todo!.bulkInsert(todos(20, prefix));

    const offline = await until(device.sync.status$, (s) => s.sync === 'offline');
    expect(offline.lastError?.kind).toBe('transient');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.kind === 'transient')).toBe(true);
    expect(tokens.rejections).toEqual([]);
    expect(tokens.refreshes).toBe(0);

    proxy.setMode({ kind: 'pass' });
    await device.sync.awaitInSync();
    await until(device.sync.status$, (s) => s.sync === 'running');
    const onServer = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer.filter((d) => d.id.startsWith(prefix))).toHaveLength(20);
    expect(tokens.refreshes).toBe(0);
  });
});
