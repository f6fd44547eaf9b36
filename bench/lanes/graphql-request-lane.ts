// L1, the request floor: the pull pages and push batches the replication sends, sent by a plain
// sequential graphql-request loop. No local database.
import type { BenchServer } from '../bench-server.ts';
import { expectCount, timedSection, type BatchSizes, type Lane } from '../lane.ts';
import { graphqlClient, pullAll, pullWith, pushRows, todoOperations } from '../todo-fixture.ts';

const { push } = todoOperations;

/** L1: raw graphql-request. */
export function graphqlRequestLane(server: BenchServer, batch: BatchSizes): Lane {
  return {
    id: 'L1',
    label: 'graphql-request (request floor)',
    async initialSync(user, n) {
      const client = graphqlClient(server.graphqlUrl, user.token);
      const timed = await timedSection(server);
      timed.start();
      const { docs } = await pullAll(pullWith(client), batch.pull);
      const timing = await timed.stop();
      expectCount('L1 initial pull', docs, n);
      return timing;
    },
    async backlogPush(user, docs) {
      const client = graphqlClient(server.graphqlUrl, user.token);
      const timed = await timedSection(server);
      timed.start();
      // The replication's first pull from an empty checkpoint, then the backlog batch by batch.
      await pullWith(client)(undefined, batch.pull);
      for (let i = 0; i < docs.length; i += batch.push) {
        const conflicts = push.data(await client.request<Record<string, unknown>>(push.query, push.variables(pushRows(docs.slice(i, i + batch.push)))));
        expectCount('L1 push conflicts', conflicts.length, 0);
      }
      return timed.stop();
    },
  };
}
