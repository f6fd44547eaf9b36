// L1, the wire limit: the pull pages and push batches a replication sends, sent by a plain sequential
// graphql-request loop, and the live stream read by a bare graphql-ws client. No local database.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { BenchServer } from '../bench-server.ts';
import { expectCount, timedSection, type Lane } from '../lane.ts';
import { graphqlClient, pullAll, pullWith, pushRows, todoOperations, type Todo } from '../todo-fixture.ts';

const { push, stream } = todoOperations;

async function pushAll(client: ReturnType<typeof graphqlClient>, docs: Todo[], batch: number): Promise<void> {
  for (let i = 0; i < docs.length; i += batch) {
    const conflicts = push.data(await client.request<Record<string, unknown>>(push.query, push.variables(pushRows(docs.slice(i, i + batch)))));
    expectCount('L1 push conflicts', conflicts.length, 0);
  }
}

/** L1: raw graphql-request (and graphql-ws for the stream). */
export function graphqlRequestLane(server: BenchServer, batch: number): Lane {
  return {
    id: 'L1',
    label: 'graphql-request loop (wire limit)',
    async initialSync(user, n) {
      const client = graphqlClient(server.graphqlUrl, user.token);
      const timed = await timedSection(server);
      timed.start();
      const { docs } = await pullAll(pullWith(client), batch);
      const timing = await timed.stop();
      expectCount('L1 initial pull', docs, n);
      return timing;
    },
    async backlogPush(user, docs) {
      const client = graphqlClient(server.graphqlUrl, user.token);
      const timed = await timedSection(server);
      timed.start();
      // A replication's first pull from an empty checkpoint, then the backlog batch by batch.
      await pullWith(client)(undefined, batch);
      await pushAll(client, docs, batch);
      return timed.stop();
    },
    async cycler(user) {
      const doc = { id: 'cycle-l1', title: 'cycle', done: false };
      return {
        async cycle(i) {
          const started = performance.now();
          const grant = await server.login(user.username, user.password);
          const client = graphqlClient(server.graphqlUrl, grant.accessToken);
          await pullAll(pullWith(client), batch);
          const inSync = performance.now();
          // What a replication sends for an edit: the new state and the master state it replaces.
          const previous = { ...doc, title: `cycle ${i - 1}`, deleted: false };
          const row = { assumedMasterState: i === 0 ? undefined : previous, newDocumentState: { ...doc, title: `cycle ${i}`, deleted: false } };
          await client.request(push.query, push.variables([row]));
          await server.logout(grant.refreshToken);
          return { loginToInSyncMs: inSync - started, totalMs: performance.now() - started };
        },
        async close() {},
      };
    },
    async devicePair(user) {
      const writer = graphqlClient(server.graphqlUrl, user.token);
      const reader = createClient({ url: `${server.wsUrl}?device=l1`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${user.token}` }, retryAttempts: 0 });
      const waiting = new Map<string, () => void>();
      let subscribed!: () => void;
      const ready = new Promise<void>((resolve) => (subscribed = resolve));
      reader.on('connected', () => setTimeout(subscribed, 50)); // the subscribe message follows the ack
      const unsubscribe = reader.subscribe({ query: stream!.query }, {
        next: (result) => {
          for (const d of stream!.data(result.data as Record<string, unknown>).documents) waiting.get(d.id as string)?.();
        },
        error: (error) => process.stderr.write(`L1 stream error: ${String(error)}\n`),
        complete: () => {},
      });
      await ready;
      return {
        seen: (id) => new Promise<void>((resolve) => waiting.set(id, () => (waiting.delete(id), resolve()))),
        async write(doc) {
          await writer.request(push.query, push.variables(pushRows([doc])));
        },
        async close() {
          unsubscribe();
          await reader.dispose();
        },
      };
    },
  };
}
