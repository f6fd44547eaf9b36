// L4 and L5: the whole library through createSyncClient — session machine, token vault, facade, sync
// host, replication — on memory storage. L4 is configured as a newcomer would (README: auth, graphql
// { url, wsUrl }, storage, databaseName, collections; no `sync` options at all); L5 is tuned.
// The initial-sync and backlog clocks start when the session machine enters signedIn.active, the
// moment it lets the replication run; logging in (an auth round trip) is reported apart.
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type * as Library from '../../src/index.ts';
import type { SessionStatus, SyncClient, SyncClientOptions } from '../../src/index.ts';
import type { BenchServer, BenchUser } from '../bench-server.ts';
import { expectCount, timedSection, within, type Lane, type LaneId, type Timing } from '../lane.ts';
import { todoSchema } from '../todo-fixture.ts';

// The library as users run it: the compiled package (`npm run bench` builds it first), not the
// sources through tsx, whose keepNames wrapping costs the library, and only the library, time.
const { appServicesAuth, createSyncClient } = (await import(new URL('../../dist/src/index.js', import.meta.url).href).catch(() => {
  throw new Error('bench: dist/ is missing; npm run bench builds it (npm run build)');
})) as typeof Library;

type Collections = { todo: { schema: typeof todoSchema } };
type TodoClient = SyncClient<Collections>;
let databases = 0;

/** How a library lane builds its clients: what it adds to the newcomer's options. */
export interface LibraryConfig {
  id: LaneId;
  label: string;
  /** Extra top-level options (L4: none). */
  extra: () => Partial<SyncClientOptions<Collections>>;
}

/**
 * The tuned options of L5: larger batches (2,000 both ways, well under the 1 MiB body limit), no
 * wake-signal watching; BENCH_L5_SYNC (JSON) adds to / overrides `sync`.
 */
export function tunedOptions(): Partial<SyncClientOptions<Collections>> {
  const override = process.env.BENCH_L5_SYNC ? (JSON.parse(process.env.BENCH_L5_SYNC) as Record<string, unknown>) : {};
  return {
    wakeSignals: false,
    sync: { pullBatchSize: 2000, pushBatchSize: 2000, ...override },
  };
}

/** L5's options in words, for its label. */
export function describeTuned(): string {
  const { sync = {}, wakeSignals } = tunedOptions();
  const parts = Object.entries(sync).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return `sync: { ${parts.join(', ')} }${wakeSignals === false ? ', wakeSignals: false' : ''}`;
}

function todoClient(server: BenchServer, config: LibraryConfig): TodoClient {
  return createSyncClient<Collections>({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
    storage: getRxStorageMemory(),
    databaseName: `benchclient${process.pid}n${++databases}`,
    collections: { todo: { schema: todoSchema } },
    ...config.extra(),
  });
}

const untilStatus = (client: TodoClient, what: string, predicate: (s: SessionStatus) => boolean, ms = 120_000) =>
  firstValueFrom(client.status$.pipe(filter(predicate), timeout({ first: ms, with: () => { throw new Error(`${what}: not reached in ${ms} ms (status ${JSON.stringify(client.status)})`); } })));

/** Logs `user` in; resolves with when login() was called and when the session entered signedIn.active. */
async function loginTimed(client: TodoClient, user: BenchUser, id: string): Promise<{ calledAt: number; activeAt: number }> {
  let activeAt: number | null = null;
  const calledAt = performance.now();
  const subscription = client.actor.subscribe((s) => {
    if (activeAt === null && s.hasTag('refreshScheduled')) activeAt = performance.now();
  });
  await client.login({ username: user.username, password: user.password });
  subscription.unsubscribe();
  if (activeAt === null) throw new Error(`${id}: login did not reach active (${client.status.session})`);
  return { calledAt, activeAt };
}

/** Runs the timed section from the session entering active; adds the login's own duration. */
async function fromActive(server: BenchServer, client: TodoClient, user: BenchUser, id: string): Promise<Timing> {
  const timed = await timedSection(server);
  const login = await loginTimed(client, user, id);
  timed.start(login.activeAt);
  await within(120_000, `${id} awaitInSync`, client.awaitInSync());
  return { ...(await timed.stop()), loginMs: login.activeAt - login.calledAt };
}

/** A library lane (L4 at defaults, L5 tuned). */
export function syncClientLane(server: BenchServer, config: LibraryConfig): Lane {
  const { id } = config;
  return {
    id,
    label: config.label,
    async initialSync(user, n) {
      const client = todoClient(server, config);
      try {
        await client.start();
        // The user's database opens after active: inside the clock, as in L2 and L3.
        const timing = await fromActive(server, client, user, id);
        expectCount(`${id} local`, await client.collections.todo.count().exec(), n);
        if (!client.status.initialSync.done) throw new Error(`${id}: status.initialSync not done after awaitInSync`);
        await client.logout({ wipe: true });
        return timing;
      } finally {
        await client.close();
      }
    },
    async backlogPush(user, docs) {
      const client = todoClient(server, config);
      try {
        await client.start();
        await client.login({ username: user.username, password: user.password });
        await within(60_000, `${id} first sync`, client.awaitInSync());
        // The refresh token is revoked; the next refresh is refused: relogin required, sync paused.
        await server.revokeSessions(user.userId);
        await client.refreshCustomData().catch(() => undefined);
        await untilStatus(client, `${id} refreshExpired`, (s) => s.session === 'refreshExpired');
        await client.collections.todo.bulkInsert(docs);
        await untilStatus(client, `${id} pendingWrites = ${docs.length}`, (s) => s.pendingWrites === docs.length);
        const timing = await fromActive(server, client, user, id);
        await client.logout({ wipe: true });
        return timing;
      } finally {
        await client.close();
      }
    },
    async cycler(user) {
      // One client (one device) for every cycle; its database stays between logins (logout's default).
      const client = todoClient(server, config);
      await client.start();
      return {
        async cycle(i) {
          const started = performance.now();
          await client.login({ username: user.username, password: user.password });
          await within(30_000, `${id} cycle in sync`, client.awaitInSync());
          const inSync = performance.now();
          await client.collections.todo.upsert({ id: `cycle-${id}`, title: `cycle ${i}`, done: false });
          await within(30_000, `${id} cycle write in sync`, client.awaitInSync());
          await client.logout();
          return { loginToInSyncMs: inSync - started, totalMs: performance.now() - started };
        },
        async close() {
          await client.login({ username: user.username, password: user.password });
          await client.logout({ wipe: true });
          await client.close();
        },
      };
    },
    async devicePair(user) {
      const clients = [todoClient(server, config), todoClient(server, config)] as const;
      for (const client of clients) {
        await client.start();
        await client.login({ username: user.username, password: user.password });
        await within(30_000, `${id} device in sync`, client.awaitInSync());
      }
      const [a, b] = clients;
      return {
        seen: (docId) => firstValueFrom(b.collections.todo.findOne(docId).$.pipe(filter((d) => d !== null))).then(() => undefined),
        async write(doc) {
          await a.collections.todo.insert(doc);
        },
        async close() {
          for (const client of clients) {
            await client.logout({ wipe: true });
            await client.close();
          }
        },
      };
    },
  };
}
