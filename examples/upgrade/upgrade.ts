/**
 * `npm run example:upgrade`: an app upgrade end to end, against the reference server in this process.
 *
 * App version 1 (todo schema version 0) syncs 3 todos, then writes 2 more and edits one while the
 * server is down. The server comes back with `priority` as an optional field; app version 2 (schema
 * version 1, a migration that sets `priority: 0`) opens the same local database: it migrates, pushes
 * the 3 unsynced writes once each in the new shape, and pushes nothing that was already in sync.
 * Exits 1 if a write is lost or a document is pushed again.
 */
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import type { RxJsonSchema } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { startServer, type ServerOptions, type SyncServer } from '../server/start-server.ts';
import { demoDataDir } from '../demo/server-data.ts';
import {
  appServicesAuth, createSyncClient, memorySessionStore, type SessionStatus, type SyncClient, type SyncCollectionOptions,
} from '../../src/index.ts';

interface TodoV0 { id: string; title: string; done: boolean; updatedAt?: number }
interface Todo extends TodoV0 { priority?: number }
type App<T = any> = SyncClient<{ todo: SyncCollectionOptions<T> }>;

const todoV0: RxJsonSchema<TodoV0> = {
  version: 0, primaryKey: 'id', type: 'object',
  properties: { id: { type: 'string', maxLength: 100 }, title: { type: 'string' }, done: { type: 'boolean' }, updatedAt: { type: 'number' } },
  required: ['id', 'title', 'done'],
};
const todoV1: RxJsonSchema<Todo> = { ...todoV0, version: 1, properties: { ...todoV0.properties, priority: { type: 'number' } } };

const log = (who: string, what: string): void => console.log(`${who.padEnd(7)} ${what}`);
const credentials = { username: 'ada@example.com', password: 'correct horse battery' };
// What survives between the two app versions: the local database and the stored session.
// fake-indexeddb is a devDependency standing in for the browser's IndexedDB (it outlives a close in this process).
const storage = getRxStorageDexie({ indexedDB, IDBKeyRange });
const sessionStore = memorySessionStore();

// Counts the push rows per document id that cross the wire (as test/e2e/support/upgrade-fixtures.ts does).
const pushed = new Map<string, number>();
const countingFetch: typeof fetch = (input, init) => {
  const body = typeof init?.body === 'string' ? JSON.parse(init.body) as { query?: string; variables?: { rows?: { newDocumentState: { id: string } }[] } } : null;
  if (body?.query?.startsWith('mutation Push')) for (const row of body.variables?.rows ?? []) pushed.set(row.newDocumentState.id, (pushed.get(row.newDocumentState.id) ?? 0) + 1);
  return globalThis.fetch(input, init);
};

function app<T>(server: SyncServer, todo: SyncCollectionOptions<T>): App<T> {
  return createSyncClient({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
    storage, sessionStore, databaseName: 'upgrade-example', fetch: countingFetch,
    collections: { todo },
  });
}

function until(client: App, ok: (s: SessionStatus) => boolean, what: string): Promise<SessionStatus> {
  return firstValueFrom(client.status$.pipe(filter(ok), timeout({ first: 15_000, with: () => { throw new Error(`timed out waiting for ${what}`); } })));
}

async function main(): Promise<boolean> {
  const data = await demoDataDir();
  const serverV1: ServerOptions = { dataDir: data.dir, collections: { todo: { fields: { title: 'String', done: 'Boolean' } } } };
  let server = await startServer(serverV1);
  const clients: App[] = [];
  try {
    const { userId } = await server.createUser(credentials);
    log('server', `v1 on ${server.httpUrl}: todo { title, done } (PGlite in ${data.dir})`);

    // 1. App version 1: three todos in sync, then a backlog while the server is down.
    const v1 = app<TodoV0>(server, { schema: todoV0 });
    clients.push(v1);
    await v1.start();
    await v1.login(credentials);
    await v1.collections.todo.bulkInsert([1, 2, 3].map((n) => ({ id: `todo-${n}`, title: `todo ${n}`, done: false })));
    await v1.awaitInSync();
    log('app v1', 'schema version 0: wrote todo-1..3, in sync');
    await server.close();
    await until(v1, (s) => s.sync === 'offline', 'offline');
    await v1.collections.todo.bulkInsert([4, 5].map((n) => ({ id: `todo-${n}`, title: `todo ${n}`, done: false })));
    await (await v1.collections.todo.findOne('todo-2').exec())!.incrementalPatch({ title: 'todo 2 (edited offline)', done: true });
    const backlog = ['todo-2', 'todo-4', 'todo-5'];
    await until(v1, (s) => s.pendingWrites === backlog.length, 'the backlog');
    log('app v1', `server down: wrote todo-4, todo-5 and edited todo-2 → ${backlog.length} pending writes; the app closes`);
    await v1.close();

    // 2. The server is upgraded first: `priority` is optional, the old documents are still served.
    server = await startServer({ ...serverV1, port: server.port, collections: { todo: { fields: { title: 'String', done: 'Boolean', priority: 'Float?' } } } });
    const served = await server.readDocuments(userId, 'todo');
    log('server', `v2 on the same data: todo { title, done, priority: Float? }; serves ${served.map((d) => `${d.id} (priority ${d.priority})`).join(', ')}`);

    // 3. App version 2 opens the same database: migration, then sync from the stored checkpoint.
    pushed.clear(); // count only what app version 2 sends
    const v2 = app<Todo>(server, {
      schema: todoV1,
      migrationStrategies: { 1: (old: Todo) => ({ ...old, priority: 0 }) },
      schemaVersionOf: (doc) => (doc['priority'] === undefined ? 0 : 1), // the client drops null fields
    });
    clients.push(v2);
    let lastProgress = '';
    v2.status$.subscribe(({ migration: m }) => {
      const line = m ? `migrating ${m.collection}: ${m.done}/${m.total} (documents and replication rows)` : '';
      if (line && line !== lastProgress) log('app v2', (lastProgress = line));
    });
    const restored = await v2.start();
    log('app v2', `schema version 1: session ${restored.session} (restored, no login)`);
    await v2.awaitInSync();
    await until(v2, (s) => s.pendingWrites === 0 && s.sync === 'running', 'an empty outbox');

    // Summary: every write on the server, the backlog pushed once each in the new shape, nothing else.
    const local = (await v2.collections.todo.find().exec()).map((d) => d.toJSON());
    const migrated = local.filter((d) => d.priority === 0).length;
    const onServer = new Map((await server.readDocuments(userId, 'todo')).map((d) => [String(d.id), d]));
    const written = new Map(local.map((d) => [d.id, d.title]));
    const lost = ['todo-1', 'todo-2', 'todo-3', 'todo-4', 'todo-5'].filter((id) => !written.has(id) || onServer.get(id)?.title !== written.get(id)).length;
    const rePushed = [...pushed].filter(([id, n]) => !backlog.includes(id) || n > 1).length;
    const pushedBacklog = backlog.filter((id) => pushed.get(id) === 1 && onServer.get(id)?.priority === 0).length;
    for (const [id, d] of onServer) log('server', `${id}: "${d.title}", priority ${d.priority}${pushed.has(id) ? '  ← pushed by app v2' : ''}`);
    console.log(`summary: migrated ${migrated}, pushed ${pushedBacklog} (the backlog), re-pushed ${rePushed}, on the server ${onServer.size}, lost: ${lost}`);
    return lost === 0 && rePushed === 0 && pushedBacklog === backlog.length && migrated === 5;
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    await data.remove();
  }
}

process.exitCode = (await main().catch((error: Error) => { console.error(`✗ ${error.message}`); return false; })) ? 0 : 1;
