// L3, what a user would pick instead: RxDB's own GraphQL plugin (replicateGraphQL), live, with the
// websocket stream (pull.streamQueryBuilder + url.ws, token in connectionParams), batch 1000 both ways,
// no leader election, on memory storage. Same query texts as every other lane.
import type { RxCollection } from 'rxdb';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom } from 'rxjs';
import type { BenchServer } from '../bench-server.ts';
import { expectCount, timedSection, within, type Lane } from '../lane.ts';
import { todoOperations } from '../todo-fixture.ts';
import { openTodoDatabase } from './rxdb-lane.ts';

const { pull, push, stream } = todoOperations;
let sockets = 0;

/** The plugin configured as its docs show, for DESIGN.md's contract. */
export function pluginReplication(server: BenchServer, token: string, todo: RxCollection, batch: number, autoStart: boolean) {
  return replicateGraphQL<any, unknown>({
    collection: todo,
    replicationIdentifier: `graphql|${server.graphqlUrl}|todo`,
    // The plugin shares one socket per ws URL in a process: each replication (device) gets its own.
    url: { http: server.graphqlUrl, ws: `${server.wsUrl}?device=plugin${++sockets}` },
    headers: { Authorization: `Bearer ${token}` },
    deletedField: 'deleted',
    live: true,
    autoStart,
    waitForLeadership: false,
    retryTime: 100,
    pull: {
      batchSize: batch,
      queryBuilder: (checkpoint, limit) => ({ query: pull.query, operationName: 'PullTodo', variables: pull.variables(checkpoint, limit) }),
      streamQueryBuilder: () => ({ query: stream!.query, variables: {} }),
      wsOptions: { connectionParams: { authorization: `Bearer ${token}` } },
    },
    push: {
      batchSize: batch,
      queryBuilder: (rows) => ({ query: push.query, operationName: 'PushTodo', variables: push.variables(rows as never) }),
    },
  });
}

/** L3: RxDB's replicateGraphQL plugin. */
export function pluginLane(server: BenchServer, batch: number): Lane {
  return {
    id: 'L3',
    label: 'RxDB replicateGraphQL plugin (live, ws stream)',
    async initialSync(user, n) {
      const timed = await timedSection(server);
      timed.start();
      const { database, todo } = await openTodoDatabase('benchplugin');
      const replication = pluginReplication(server, user.token, todo, batch, true);
      await within(120_000, 'L3 initial sync', replication.awaitInSync());
      const timing = await timed.stop();
      await replication.cancel();
      expectCount('L3 local', await todo.count().exec(), n);
      await database.remove();
      return timing;
    },
    async backlogPush(user, docs) {
      const { database, todo } = await openTodoDatabase('benchplugin');
      await todo.bulkInsert(docs);
      const replication = pluginReplication(server, user.token, todo, batch, false);
      const timed = await timedSection(server);
      timed.start();
      await replication.start();
      await within(120_000, 'L3 backlog push', replication.awaitInSync());
      const timing = await timed.stop();
      await replication.cancel();
      await database.remove();
      return timing;
    },
    async cycler(user) {
      const storage = getRxStorageMemory();
      const name = `benchplugincycle${process.pid}n${++sockets}`;
      return {
        async cycle(i) {
          const started = performance.now();
          const grant = await server.login(user.username, user.password);
          const { database, todo } = await openTodoDatabase('', storage, name);
          const replication = pluginReplication(server, grant.accessToken, todo, batch, true);
          await replication.awaitInSync();
          const inSync = performance.now();
          await todo.upsert({ id: 'cycle-l3', title: `cycle ${i}`, done: false });
          await replication.awaitInSync();
          await replication.cancel();
          await database.close();
          await server.logout(grant.refreshToken);
          return { loginToInSyncMs: inSync - started, totalMs: performance.now() - started };
        },
        async close() {
          const { database } = await openTodoDatabase('', storage, name);
          await database.remove();
        },
      };
    },
    async devicePair(user) {
      const devices = await Promise.all([0, 1].map(async () => {
        const { database, todo } = await openTodoDatabase('benchpluginpair');
        const replication = pluginReplication(server, user.token, todo, batch, true);
        await replication.awaitInSync();
        return { database, todo, replication };
      }));
      const [a, b] = devices as [typeof devices[0], typeof devices[0]];
      return {
        seen: (id) => firstValueFrom(b.todo.findOne(id).$.pipe(filter((d) => d !== null))).then(() => undefined),
        async write(doc) {
          await a.todo.insert(doc);
        },
        async close() {
          for (const d of devices) {
            await d.replication.cancel();
            await d.database.remove();
          }
        },
      };
    },
  };
}
