// End-to-end fixtures: the reference server on 127.0.0.1 and clients built only through
import { todoSchema } from '../../helpers/todo-schema.ts';
// createSyncClient, as an app would, with RxDB memory storage unless a test passes another.
import WebSocket from 'ws';
import { filter, firstValueFrom, throwError, timeout } from 'rxjs';
import type { Observable } from 'rxjs';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { ServerOptions, SyncServer } from '../../../examples/server/start-server.ts';
import { appServicesAuth, createSyncClient } from '../../../src/index.ts';
import type { SessionStatus, SyncClient, SyncClientOptions, SyncCollectionOptions } from '../../../src/index.ts';
import { startTestServer } from '../../helpers/server-lanes.ts';
import type { TestUser } from '../../integration/support/lifecycle-server.ts';

export { createTestUser, statsSince } from '../../integration/support/lifecycle-server.ts';
export type { TestUser };

export { todoSchema };

export type TodoCollections = { todo: SyncCollectionOptions };
export type TodoClient = SyncClient<TodoCollections>;

/** The reference server over PGlite, 30 min access tokens unless overridden. */
export function startE2EServer(options: ServerOptions = {}): Promise<SyncServer> {
  return startTestServer({ accessTokenTtlSec: 1800, refreshTokenTtlSec: 3600, ...options });
}

let databases = 0;

/** A unique database name, so clients in one process never share a database by accident. */
export function uniqueDatabaseName(): string {
  return `e2e${process.pid}n${++databases}`;
}

/**
 * A client of `server` that syncs `todo` (live stream over ws unless `graphql` says otherwise),
 * with fast retries so fault tests finish quickly.
 */
export function todoClient(server: SyncServer, overrides: Partial<SyncClientOptions<TodoCollections>> = {}): TodoClient {
  return createSyncClient<TodoCollections>({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
    storage: getRxStorageMemory(),
    databaseName: uniqueDatabaseName(),
    collections: { todo: { schema: todoSchema } },
    wakeSignals: false,
    ...overrides,
    sync: { webSocketImpl: WebSocket, multiInstance: false, retry: { baseMs: 50, maxMs: 500 }, ...overrides.sync },
  });
}

/** Logs `user` in and waits until the client is in sync. */
export async function signIn(client: TodoClient, user: TestUser): Promise<void> {
  await client.start();
  await client.login({ username: user.username, password: user.password });
  await client.awaitInSync();
}

/** n todos with ids `${prefix}-00000…`. */
export function todos(n: number, prefix: string): { id: string; title: string; done: boolean }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(5, '0')}`, title: `todo ${i}`, done: false }));
}

/** The first value of `source` that passes `predicate`; fails after `ms` naming what it waited for. */
export function until<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string, ms = 20_000): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({ first: ms, with: () => throwError(() => new Error(`timed out waiting for ${what}`)) }),
    ),
  );
}

/** The first client status that passes `predicate`. */
export function untilStatus(client: SyncClient<any>, predicate: (s: SessionStatus) => boolean, what: string, ms?: number): Promise<SessionStatus> {
  return until(client.status$, predicate, `${what} (last status: ${JSON.stringify(client.status)})`, ms);
}

/**
 * Re-checks state that offers no events (the server's rows and counters) until it holds; fails
 * after `ms`. The interval only paces the checks: correctness never depends on it.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How often each id occurs among the server's documents of `user` (to prove "exactly once"). */
export async function serverIds(server: SyncServer, userId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const doc of await server.readDocuments(userId, 'todo')) counts.set(String(doc.id), (counts.get(String(doc.id)) ?? 0) + 1);
  return counts;
}
