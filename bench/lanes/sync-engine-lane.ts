// L3: src/sync's SyncEngine on memory storage — classified transport, held/paused gate, status,
// pending counts, refused-document handling — with a token source that always serves one token.
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { SyncEngine } from '../../src/sync/sync-engine.ts';
import { openUserDatabase } from '../../src/sync/user-database.ts';
import type { BenchServer, BenchUser } from '../bench-server.ts';
import { expectCount, timedSection, type BatchSizes, type Lane } from '../lane.ts';
import { todoSchema } from '../todo-fixture.ts';

let databases = 0;

function openDatabase(user: BenchUser) {
  const databaseName = `benchengine${process.pid}n${++databases}`;
  return openUserDatabase({ storage: getRxStorageMemory(), databaseName, userId: user.userId, collections: { todo: { schema: todoSchema } }, multiInstance: false });
}

function engine(server: BenchServer, user: BenchUser, database: Awaited<ReturnType<typeof openDatabase>>, batch: BatchSizes): SyncEngine {
  const tokens = { get: async () => ({ token: user.token, generation: 1 }), rejected() {}, accepted() {} };
  // No stream and an hour between polls: every lane sends only the replication's own requests.
  return new SyncEngine({
    database, collections: { todo: { schema: todoSchema } }, graphqlUrl: server.graphqlUrl, tokens,
    pullBatchSize: batch.pull, pushBatchSize: batch.push, pullIntervalMs: 3_600_000, waitForLeadership: false,
  });
}

/** L3: the sync layer without the session. */
export function syncEngineLane(server: BenchServer, batch: BatchSizes): Lane {
  return {
    id: 'L3',
    label: 'SyncEngine (src/sync)',
    async initialSync(user, n) {
      const timed = await timedSection(server);
      timed.start();
      const database = await openDatabase(user);
      const sync = engine(server, user, database, batch);
      await sync.open();
      await sync.resume();
      await sync.awaitInSync();
      const timing = await timed.stop();
      await sync.close();
      expectCount('L3 local', await database.collections.todo!.count().exec(), n);
      await database.remove();
      return timing;
    },
    async backlogPush(user, docs) {
      // Opened held, then written to, as the client's replication is while relogin is required (L4).
      // (Documents written before open() are not pushed when resume() comes later: reported bug.)
      const database = await openDatabase(user);
      const sync = engine(server, user, database, batch);
      await sync.open();
      await database.collections.todo!.bulkInsert(docs);
      await firstValueFrom(sync.status$.pipe(filter((s) => s.pendingWrites === docs.length), timeout(60_000)));
      const timed = await timedSection(server);
      timed.start();
      await sync.resume();
      await sync.awaitInSync();
      const timing = await timed.stop();
      await sync.close();
      await database.remove();
      return timing;
    },
  };
}
