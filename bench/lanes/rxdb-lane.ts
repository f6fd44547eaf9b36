// L2, the replication floor: RxDB's replicateRxCollection with plain graphql-request handlers on
// memory storage — our transport's shape with no session, classification or status layer.
import { createRxDatabase, type RxCollection } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { BenchServer, BenchUser } from '../bench-server.ts';
import { expectCount, timedSection, type BatchSizes, type Lane } from '../lane.ts';
import { graphqlClient, todoOperations, todoSchema } from '../todo-fixture.ts';

const { pull, push } = todoOperations;
let databases = 0;

async function openDatabase() {
  const database = await createRxDatabase({ name: `benchraw${process.pid}n${++databases}`, storage: getRxStorageMemory(), multiInstance: false });
  const { todo } = await database.addCollections({ todo: { schema: todoSchema } });
  return { database, todo: todo! };
}

function replicate(server: BenchServer, user: BenchUser, todo: RxCollection, batch: BatchSizes, autoStart: boolean) {
  const client = graphqlClient(server.graphqlUrl, user.token);
  return replicateRxCollection<any, unknown>({
    replicationIdentifier: `${server.graphqlUrl}|todo`,
    collection: todo,
    deletedField: 'deleted',
    live: true,
    autoStart,
    waitForLeadership: false,
    retryTime: 100,
    pull: { batchSize: batch.pull, handler: async (checkpoint, limit) => pull.data(await client.request<Record<string, unknown>>(pull.query, pull.variables(checkpoint, limit))) as never },
    push: { batchSize: batch.push, handler: async (rows) => push.data(await client.request<Record<string, unknown>>(push.query, push.variables(rows as never))) as never },
  });
}

/** L2: raw RxDB replication. */
export function rxdbLane(server: BenchServer, batch: BatchSizes): Lane {
  return {
    id: 'L2',
    label: 'RxDB replicateRxCollection (replication floor)',
    async initialSync(user, n) {
      const timed = await timedSection(server);
      timed.start();
      const { database, todo } = await openDatabase();
      const replication = replicate(server, user, todo, batch, true);
      await replication.awaitInSync();
      const timing = await timed.stop();
      await replication.cancel();
      expectCount('L2 local', await todo.count().exec(), n);
      await database.remove();
      return timing;
    },
    async backlogPush(user, docs) {
      // Created before the clock, started inside it: RxDB's start-up (meta storage, checkpoint read)
      // is timed here, while L3/L4 did theirs when opening held. Raw RxDB cannot be held the same way:
      // after start → pause → write → start, awaitInSync() resolved with nothing on the server (tried).
      const { database, todo } = await openDatabase();
      await todo.bulkInsert(docs);
      const replication = replicate(server, user, todo, batch, false);
      const timed = await timedSection(server);
      timed.start();
      await replication.start();
      await replication.awaitInSync();
      const timing = await timed.stop();
      await replication.cancel();
      await database.remove();
      return timing;
    },
  };
}
