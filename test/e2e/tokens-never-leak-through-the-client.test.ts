import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { Logger } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { reachableStrings } from '../helpers/reachable-strings.ts';
import {
  createTestUser, eventually, startE2EServer, todoClient, todos, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// Every token the server issues during a whole synced lifecycle — 2 s tokens refreshed and
// reconnected, a refused document, an outage, an expiry, a relogin — is collected from the wire,
// and none appears in logs, inspection events, statuses, client events, hook payloads or the
// user's local documents (refused-document records included).
describe('tokens during a synced lifecycle', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  let client: TodoClient;
  const issued = new Set<string>();
  const seen: unknown[] = [];

  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).includes('/auth/')) {
      const body = await response.clone().json().catch(() => null) as Record<string, unknown> | null;
      for (const key of ['access_token', 'refresh_token']) if (typeof body?.[key] === 'string') issued.add(body[key] as string);
    }
    return response;
  };
  const logger: Logger = {
    debug: (msg, data) => void seen.push(msg, data),
    info: (msg, data) => void seen.push(msg, data),
    warn: (msg, data) => void seen.push(msg, data),
    error: (msg, data) => void seen.push(msg, data),
  };

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 2 });
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
    client = todoClient(server, {
      fetch: recordingFetch,
      logger,
      inspect: (event: InspectionEvent) => void seen.push(event),
      onReloginRequired: (info) => void seen.push(info),
      graphql: { url: `${proxy.origin}/graphql`, wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`, timeoutMs: 1_000 },
    });
    client.status$.subscribe((s) => seen.push(s));
    for (const name of ['reloginRequired', 'sessionChanged', 'refreshed', 'loggedIn', 'loggedOut'] as const) {
      client.on(name, (payload) => void seen.push(payload));
    }
    client.rejected$.subscribe((list) => seen.push(list));
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('appear nowhere the app or a tool can see', async () => {
    await client.start();
    await client.login({ username: user.username, password: user.password });
    await client.collections.todo.bulkInsert([...todos(30, 'canary'), { id: 'refused-1', title: 'holds a NUL \u0000 the server refuses', done: false }]);
    await client.awaitInSync();
    await eventually(() => client.status.rejected === 1, 'refused document listed');
    await eventually(() => issued.size >= 3, 'a refresh or two');

    proxy.setMode({ kind: 'refuse' });
    await client.collections.todo.insert({ id: 'canary-offline', title: 'x', done: false });
    await untilStatus(client, (s) => s.sync === 'offline', 'offline');
    await server.revokeSessions(user.userId);
    await untilStatus(client, (s) => s.session === 'refreshExpired', 'expired');
    proxy.setMode({ kind: 'pass' });
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();

    const local = await Promise.all(Object.values(await client.ready()).map((c) => c.find().exec()));
    seen.push(local.flat().map((doc) => doc.toJSON()));
    expect(issued.size).toBeGreaterThanOrEqual(4);
    const haystack = reachableStrings(seen).join('\n');
    expect(haystack).toContain(user.userId);
    const leaked = [...issued].filter((token) => haystack.includes(token) || haystack.includes(token.split('.')[2] ?? token));
    expect(leaked).toEqual([]);
  });
});
