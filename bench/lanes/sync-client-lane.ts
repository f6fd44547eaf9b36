// L4: the whole library through createSyncClient — session machine, token vault, facade, SyncHost,
// SyncEngine — on memory storage. The clock starts when the session machine enters signedIn.active,
// the moment it lets the replication run; logging in (an auth round trip) is outside the clock.
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { appServicesAuth, createSyncClient, type SessionStatus, type SyncClient } from '../../src/index.ts';
import type { BenchServer, BenchUser } from '../bench-server.ts';
import { expectCount, timedSection, type BatchSizes, type Lane, type Timing } from '../lane.ts';
import { todoSchema } from '../todo-fixture.ts';

type TodoClient = SyncClient<{ todo: { schema: typeof todoSchema } }>;
let databases = 0;

function todoClient(server: BenchServer, batch: BatchSizes): TodoClient {
  return createSyncClient({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    // No wsUrl and an hour between polls: the same requests as the other lanes.
    graphql: { url: server.graphqlUrl },
    storage: getRxStorageMemory(),
    databaseName: `benchclient${process.pid}n${++databases}`,
    collections: { todo: { schema: todoSchema } },
    wakeSignals: false,
    sync: { pullBatchSize: batch.pull, pushBatchSize: batch.push, pullIntervalMs: 3_600_000, multiInstance: false, waitForLeadership: false },
  });
}

// A lane that never gets there fails the run instead of hanging it.
const untilStatus = (client: TodoClient, predicate: (s: SessionStatus) => boolean) =>
  firstValueFrom(client.status$.pipe(filter(predicate), timeout(60_000)));

/** Logs `user` in; resolves with when login() was called and when the session entered signedIn.active. */
async function loginTimed(client: TodoClient, user: BenchUser): Promise<{ calledAt: number; activeAt: number }> {
  let activeAt: number | null = null;
  const calledAt = performance.now();
  const subscription = client.actor.subscribe((s) => {
    if (activeAt === null && s.matches({ signedIn: 'active' })) activeAt = performance.now();
  });
  await client.login({ username: user.username, password: user.password });
  subscription.unsubscribe();
  if (activeAt === null) throw new Error(`L4: login did not reach active (${client.status.session})`);
  return { calledAt, activeAt };
}

/** Runs the timed section from the session entering active; adds the login's own duration. */
async function fromActive(server: BenchServer, client: TodoClient, user: BenchUser): Promise<Timing> {
  const timed = await timedSection(server);
  const login = await loginTimed(client, user);
  timed.start(login.activeAt);
  await client.awaitInSync();
  return { ...(await timed.stop()), loginMs: login.activeAt - login.calledAt };
}

/** L4: the library end to end. */
export function syncClientLane(server: BenchServer, batch: BatchSizes): Lane {
  return {
    id: 'L4',
    label: 'createSyncClient (whole library)',
    async initialSync(user, n) {
      const client = todoClient(server, batch);
      await client.start();
      // The user's database opens after active: inside the clock, as in L2 and L3.
      const timing = await fromActive(server, client, user);
      expectCount('L4 local', await client.collections.todo.count().exec(), n);
      if (!client.status.initialSync.done) throw new Error('L4: status.initialSync not done after awaitInSync');
      await client.logout({ wipe: true });
      await client.close();
      return timing;
    },
    async backlogPush(user, docs) {
      const client = todoClient(server, batch);
      await client.start();
      await client.login({ username: user.username, password: user.password });
      await client.awaitInSync();
      // The refresh token is revoked; the next refresh is refused: relogin required, sync paused.
      await server.revokeSessions(user.userId);
      await client.refreshCustomData().catch(() => undefined);
      await untilStatus(client, (s) => s.session === 'refreshExpired');
      await client.collections.todo.bulkInsert(docs);
      await untilStatus(client, (s) => s.pendingWrites === docs.length);
      const timing = await fromActive(server, client, user);
      await client.logout({ wipe: true });
      await client.close();
      return timing;
    },
  };
}
