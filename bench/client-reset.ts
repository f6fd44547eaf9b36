/**
 * The cost of a client reset, against the reference server on PGlite: a device has 10,000 documents in
 * sync, the server is restored from a backup taken before the last 1,000, and the device gets them back
 * to it. Compared with what a device without a reset would have to do instead to be right again: wipe
 * its database and sync from scratch (the 10,000 it would pull, the 1,000 lost for good). Both at the
 * library's defaults; documents and requests counted on the wire.
 * Run: npx tsx bench/client-reset.ts   (DOCS=… LOST=… to change the counts)
 */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { appServicesAuth, createSyncClient } from '../src/index.ts';
import type { SyncServer } from '../examples/server/start-server.ts';
import { startRestartableServer } from '../test/faults/support/server-processes.ts';
import { createTestUser, eventually, type TestUser } from '../test/e2e/support/e2e-client.ts';
import { todoSchema, todos } from './todo-fixture.ts';

const DOCS = Number(process.env['DOCS'] ?? 10_000);
const LOST = Number(process.env['LOST'] ?? 1_000);

interface Wire { pulls: number; pulledDocuments: number; pushes: number; pushedDocuments: number }

function device(server: SyncServer, name: string) {
  const wire: Wire = { pulls: 0, pulledDocuments: 0, pushes: 0, pushedDocuments: 0 };
  const marks = new Map<string, number>();
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = typeof init?.body === 'string' ? init.body : '';
    if (body.includes('mutation')) {
      wire.pushes += 1;
      const rows = Object.values((JSON.parse(body) as { variables?: Record<string, unknown> }).variables ?? {}).find(Array.isArray) ?? [];
      wire.pushedDocuments += rows.length;
    } else if (body.includes('pullTodo')) {
      const answer = (await response.clone().json().catch(() => null)) as { data?: { pullTodo?: { documents: unknown[] } } } | null;
      wire.pulls += 1;
      wire.pulledDocuments += answer?.data?.pullTodo?.documents.length ?? 0;
    }
    return response;
  };
  const note = (message: string) => {
    if (message.startsWith('the server does not know')) marks.set('resetStarted', performance.now());
    if (message.startsWith('client reset done')) marks.set('resetDone', performance.now());
  };
  const client = createSyncClient({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
    storage: getRxStorageMemory(),
    databaseName: `reset-bench-${name}-${process.pid}`,
    collections: { todo: { schema: todoSchema } },
    fetch: counting,
    logger: { debug: () => undefined, info: () => undefined, warn: note, error: (m) => console.error(m) },
  });
  return { client, wire, marks };
}

async function login(client: ReturnType<typeof device>['client'], user: TestUser): Promise<void> {
  await client.start();
  await client.login({ username: user.username, password: user.password });
}

const server = await startRestartableServer({ scryptCost: 1024 });
try {
  const user = await createTestUser(server);
  const laptop = device(server, 'laptop');
  const phone = device(server, 'phone');
  await login(laptop.client, user);
  await login(phone.client, user);
  await laptop.client.collections.todo.bulkInsert(todos(DOCS - LOST, 'kept'));
  await laptop.client.awaitInSync();
  const backup = await server.backup();
  await laptop.client.collections.todo.bulkInsert(todos(LOST, 'lost'));
  await laptop.client.awaitInSync();
  // The laptop's checkpoint passes the backup once it has pulled a later write (here the phone's).
  await phone.client.collections.todo.insert({ id: 'phone-last', title: 'after the backup', done: false });
  await phone.client.awaitInSync();
  await eventually(async () => (await laptop.client.collections.todo.findOne('phone-last').exec()) !== null, 'the laptop has the phone\'s write', 60_000);
  await phone.client.close();

  await server.restore(backup);
  const before = { ...laptop.wire };
  const restored = performance.now();
  await eventually(async () => (await server.readDocuments(user.userId, 'todo')).length === DOCS + 1, 'the server has every document again', 300_000);
  await laptop.client.awaitInSync();
  const back = performance.now();
  const spent = (key: keyof Wire) => laptop.wire[key] - before[key];
  const resetMs = (laptop.marks.get('resetDone') ?? NaN) - (laptop.marks.get('resetStarted') ?? NaN);

  // The alternative: a fresh database that syncs everything the server has now.
  const fresh = device(server, 'fresh');
  const started = performance.now();
  await login(fresh.client, user);
  await fresh.client.awaitInSync();
  const freshMs = performance.now() - started;

  const int = (n: number) => Math.round(n).toLocaleString('en');
  console.log(`client reset: ${int(DOCS)} documents in sync, ${int(LOST)} lost by a restore (reference server, PGlite, defaults)\n`);
  console.log('| | ms | pulls | documents pulled | pushes | documents pushed |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| client reset (server back → in sync) | ${int(back - restored)} (reset itself ${int(resetMs)}) | ${spent('pulls')} | ${int(spent('pulledDocuments'))} | ${spent('pushes')} | ${int(spent('pushedDocuments'))} |`);
  console.log(`| fresh database, initial sync | ${int(freshMs)} | ${fresh.wire.pulls} | ${int(fresh.wire.pulledDocuments)} | ${fresh.wire.pushes} | ${int(fresh.wire.pushedDocuments)} |`);
  console.log(`\nreset / fresh sync: ${((back - restored) / freshMs).toFixed(2)}`);
  await laptop.client.close();
  await fresh.client.close();
} finally {
  await server.close();
}
