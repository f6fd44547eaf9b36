// L2, the replication floor: RxDB's replicateRxCollection with plain graphql-request handlers on
// memory storage, batch 1000 both ways, no live stream — our transport's shape with no session,
// classification or status layer.
import { createRxDatabase, type RxCollection, type RxStorage } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { BenchServer } from '../bench-server.ts';
import { expectCount, timedSection, within, type Lane } from '../lane.ts';
import { graphqlClient, todoOperations, todoSchema } from '../todo-fixture.ts';

const { pull, push } = todoOperations;
let databases = 0;

/** A fresh RxDB database with the todo collection (multiInstance off: one process, no leader election). */
export async function openTodoDatabase(prefix: string, storage: RxStorage<any, any> = getRxStorageMemory(), name = `${prefix}${process.pid}n${++databases}`) {
  const database = await createRxDatabase({ name, storage, multiInstance: false });
  const { todo } = await database.addCollections({ todo: { schema: todoSchema } });
  return { database, todo: todo! };
}

function replicate(server: BenchServer, token: string, todo: RxCollection, batch: number, autoStart: boolean) {
  const client = graphqlClient(server.graphqlUrl, token);
  return replicateRxCollection<any, unknown>({
    replicationIdentifier: `${server.graphqlUrl}|todo`,
    collection: todo,
    deletedField: 'deleted',
    live: true,
    autoStart,
    waitForLeadership: false,
    retryTime: 100,
    pull: { batchSize: batch, handler: async (checkpoint, limit) => pull.data(await client.request<Record<string, unknown>>(pull.query, pull.variables(checkpoint, limit))) as never },
    push: { batchSize: batch, handler: async (rows) => push.data(await client.request<Record<string, unknown>>(push.query, push.variables(rows as never))) as never },
  });
}

/** L2: raw RxDB replication. */
export function rxdbLane(server: BenchServer, batch: number): Lane {
  return {
    id: 'L2',
    label: 'RxDB replicateRxCollection + graphql-request',
    async initialSync(user, n) {
      const timed = await timedSection(server);
      timed.start();
      const { database, todo } = await openTodoDatabase('benchraw');
      const replication = replicate(server, user.token, todo, batch, true);
      await within(120_000, 'L2 initial sync', replication.awaitInSync());
      const timing = await timed.stop();
      await replication.cancel();
      expectCount('L2 local', await todo.count().exec(), n);
      await database.remove();
      return timing;
    },
    async backlogPush(user, docs) {
      // Written before the replication exists, started inside the clock (RxDB's start-up is timed).
      const { database, todo } = await openTodoDatabase('benchraw');
      await todo.bulkInsert(docs);
      const replication = replicate(server, user.token, todo, batch, false);
      const timed = await timedSection(server);
      timed.start();
      await replication.start();
      await within(120_000, 'L2 backlog push', replication.awaitInSync());
      const timing = await timed.stop();
      await replication.cancel();
      await database.remove();
      return timing;
    },
    async cycler(user) {
      // One storage for the device: the database (and the replication's checkpoint) survive logout.
      const storage = getRxStorageMemory();
      const name = `benchrawcycle${process.pid}n${++databases}`;
      return {
        async cycle(i) {
          const started = performance.now();
          const grant = await server.login(user.username, user.password);
          const { database, todo } = await openTodoDatabase('', storage, name);
          const replication = replicate(server, grant.accessToken, todo, batch, true);
          await replication.awaitInSync();
          const inSync = performance.now();
          await todo.upsert({ id: 'cycle-l2', title: `cycle ${i}`, done: false });
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
  };
}
