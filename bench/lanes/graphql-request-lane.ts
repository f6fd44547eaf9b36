// L1, the request floor: the pull pages and push batches the replication sends, sent by a plain
// sequential graphql-request loop. No local database.
import type { BenchServer } from '../bench-server.ts';
import { expectCount, timedSection, type BatchSizes, type Lane } from '../lane.ts';
import { graphqlClient, pushRows, todoOperations } from '../todo-fixture.ts';

const { pull, push } = todoOperations;

/** L1: raw graphql-request. */
export function graphqlRequestLane(server: BenchServer, batch: BatchSizes): Lane {
  return {
    id: 'L1',
    label: 'graphql-request (request floor)',
    async initialSync(user, n) {
      const client = graphqlClient(server.graphqlUrl, user.token);
      const timed = await timedSection(server);
      timed.start();
      let checkpoint: unknown = undefined;
      let received = 0;
      for (;;) {
        const page = pull.data(await client.request<Record<string, unknown>>(pull.query, pull.variables(checkpoint, batch.pull)));
        received += page.documents.length;
        checkpoint = page.checkpoint;
        if (page.documents.length < batch.pull) break;
      }
      const timing = await timed.stop();
      expectCount('L1 initial pull', received, n);
      return timing;
    },
    async backlogPush(user, docs) {
      const client = graphqlClient(server.graphqlUrl, user.token);
      const timed = await timedSection(server);
      timed.start();
      // The replication's first pull from an empty checkpoint, then the backlog batch by batch.
      await client.request(pull.query, pull.variables(undefined, batch.pull));
      for (let i = 0; i < docs.length; i += batch.push) {
        const conflicts = push.data(await client.request<Record<string, unknown>>(push.query, push.variables(pushRows(docs.slice(i, i + batch.push)))));
        expectCount('L1 push conflicts', conflicts.length, 0);
      }
      return timed.stop();
    },
  };
}
