// The Chromium page of the browser scenario (bundled by bench/browser/browser-initial-sync.ts with
// esbuild): an initial sync into IndexedDB through RxDB's Dexie storage, by RxDB's replicateGraphQL
// plugin (L3, configured as in Node) or by the library at its defaults (L4). Timed in the page.
import { createRxDatabase } from 'rxdb';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { appServicesAuth, createSyncClient, defaultOperations } from '../../src/index.ts';
import { todoSchema } from '../todo-fixture.ts';

/** What the runner passes to one run. */
export interface PageRun {
  lane: 'L3' | 'L4';
  authUrl: string;
  appId: string;
  graphqlUrl: string;
  wsUrl: string;
  username: string;
  password: string;
  databaseName: string;
  batch: number;
}

/** What one run measured in the page. */
export interface PageResult { ms: number; count: number; loginMs: number }

declare global {
  interface Window {
    bench: { run(params: PageRun): Promise<PageResult> };
  }
}

const { pull, push, stream } = defaultOperations('todo', todoSchema);

async function plugin(p: PageRun): Promise<PageResult> {
  const loginStarted = performance.now();
  const res = await fetch(`${p.authUrl}/app/${p.appId}/auth/providers/local-userpass/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: p.username, password: p.password }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  const started = performance.now();
  const database = await createRxDatabase({ name: p.databaseName, storage: getRxStorageDexie(), multiInstance: false });
  const { todo } = await database.addCollections({ todo: { schema: todoSchema } });
  const replication = replicateGraphQL<any, unknown>({
    collection: todo!,
    replicationIdentifier: `graphql|${p.graphqlUrl}|todo`,
    url: { http: p.graphqlUrl, ws: p.wsUrl },
    headers: { Authorization: `Bearer ${token}` },
    deletedField: 'deleted',
    live: true,
    waitForLeadership: false,
    retryTime: 100,
    pull: {
      batchSize: p.batch,
      queryBuilder: (checkpoint, limit) => ({ query: pull.query, operationName: 'PullTodo', variables: pull.variables(checkpoint, limit) }),
      streamQueryBuilder: () => ({ query: stream!.query, variables: {} }),
      wsOptions: { connectionParams: { authorization: `Bearer ${token}` } },
    },
    push: { batchSize: p.batch, queryBuilder: (rows) => ({ query: push.query, operationName: 'PushTodo', variables: push.variables(rows as never) }) },
  });
  await replication.awaitInSync();
  const ms = performance.now() - started;
  const count = await todo!.count().exec();
  await replication.cancel();
  await database.remove();
  return { ms, count, loginMs: started - loginStarted };
}

async function library(p: PageRun): Promise<PageResult> {
  // As the README's browser set-up: auth, graphql { url, wsUrl }, Dexie storage; no sync options.
  const client = createSyncClient({
    auth: appServicesAuth({ baseUrl: p.authUrl, appId: p.appId }),
    graphql: { url: p.graphqlUrl, wsUrl: p.wsUrl },
    storage: getRxStorageDexie(),
    databaseName: p.databaseName,
    collections: { todo: { schema: todoSchema } },
  });
  try {
    await client.start();
    let activeAt: number | null = null;
    const calledAt = performance.now();
    const subscription = client.actor.subscribe((s) => {
      if (activeAt === null && s.hasTag('refreshScheduled')) activeAt = performance.now();
    });
    await client.login({ username: p.username, password: p.password });
    subscription.unsubscribe();
    if (activeAt === null) throw new Error(`login did not reach active (${client.status.session})`);
    await client.awaitInSync();
    const ms = performance.now() - activeAt;
    const count = await client.collections.todo.count().exec();
    await client.logout({ wipe: true });
    return { ms, count, loginMs: activeAt - calledAt };
  } finally {
    await client.close();
  }
}

window.bench = { run: (p) => (p.lane === 'L3' ? plugin(p) : library(p)) };
