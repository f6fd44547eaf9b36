// Replication throughput, side by side in one run against one server process:
//   raw  — RxDB's replicateRxCollection with plain graphql-request handlers (the replication floor)
//   ours — src/sync's SyncEngine (classified transport, held/paused gate, status, pending counts)
// Scenarios: initial sync of N documents seeded on the server; push of a local backlog of M documents.
// Lanes alternate (ABAB…); medians and the ours/raw ratio are printed. Run: npx tsx bench/sync-replication.ts
import { fork } from 'node:child_process';
import os from 'node:os';
import { GraphQLClient } from 'graphql-request';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import type { RxJsonSchema } from 'rxdb';
import { defaultOperations } from '../src/sync/graphql-operations.ts';
import { SyncEngine } from '../src/sync/sync-engine.ts';
import { openUserDatabase } from '../src/sync/user-database.ts';

const INITIAL = Number(process.env.BENCH_INITIAL ?? 10_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 5_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const todoSchema: RxJsonSchema<any> = {
  version: 0, primaryKey: 'id', type: 'object', required: ['id', 'title', 'done'],
  properties: { id: { type: 'string', maxLength: 100 }, title: { type: 'string' }, done: { type: 'boolean' }, updatedAt: { type: 'number' } },
};
const ops = defaultOperations('todo', todoSchema);

interface Urls { authUrl: string; graphqlUrl: string; appId: string }

const child = fork(new URL('./sync-server.ts', import.meta.url).pathname, { execArgv: ['--import', 'tsx'] });
const urls = await new Promise<Urls>((resolve) => child.once('message', (m) => resolve(m as Urls)));

let users = 0;
async function newUser(): Promise<{ userId: string; token: string }> {
  const email = `bench-${process.pid}-${++users}@example.com`;
  const password = 'bench password';
  const base = `${urls.authUrl}/app/${urls.appId}/auth/providers/local-userpass`;
  const post = (path: string, body: object) =>
    fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if ((await post('register', { email, password })).status !== 201) throw new Error('register failed');
  const login = (await (await post('login', { username: email, password })).json()) as { access_token: string; user_id: string };
  return { userId: login.user_id, token: login.access_token };
}

const docs = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(6, '0')}`, title: `todo number ${i} ${'x'.repeat(40)}`, done: i % 2 === 0 }));

// Document ids are unique per collection on the server, across users: prefix them per run.
async function seed(token: string, n: number, prefix: string): Promise<void> {
  const client = new GraphQLClient(urls.graphqlUrl, { headers: { authorization: `Bearer ${token}` } });
  const all = docs(n, prefix);
  for (let i = 0; i < n; i += 1000) {
    await client.request(ops.push.query, ops.push.variables(all.slice(i, i + 1000).map((d) => ({ newDocumentState: { ...d, deleted: false } }))));
  }
}

async function serverCount(token: string): Promise<number> {
  const client = new GraphQLClient(urls.graphqlUrl, { headers: { authorization: `Bearer ${token}` } });
  const result = await client.request<Record<string, any>>(ops.pull.query, ops.pull.variables(undefined, 10_000));
  return result['pullTodo'].documents.length;
}

let dbs = 0;
async function freshDb(userId: string) {
  return openUserDatabase({ storage: getRxStorageMemory(), databaseName: `bench${++dbs}`, userId, collections: { todo: { schema: todoSchema } }, multiInstance: false });
}

type Lane = 'raw' | 'ours';
type Scenario = 'initial' | 'backlog';

async function run(lane: Lane, scenario: Scenario): Promise<number> {
  const { userId, token } = await newUser();
  const n = scenario === 'initial' ? INITIAL : BACKLOG;
  if (scenario === 'initial') await seed(token, n, `seed${users}`);
  const db = await freshDb(userId);
  const collection = db.collections.todo!;
  if (scenario === 'backlog') await collection.bulkInsert(docs(n, `local${users}`));
  let elapsed: number;
  if (lane === 'raw') {
    const client = new GraphQLClient(urls.graphqlUrl, { headers: { authorization: `Bearer ${token}` } });
    const start = performance.now();
    const replication = replicateRxCollection<any, unknown>({
      replicationIdentifier: `raw-${dbs}`, collection, deletedField: 'deleted', live: true, waitForLeadership: false,
      autoStart: true, retryTime: 100,
      pull: { batchSize: BATCH, handler: async (checkpoint, limit) => (await client.request<Record<string, any>>(ops.pull.query, ops.pull.variables(checkpoint, limit)))['pullTodo'] },
      push: { batchSize: BATCH, handler: async (rows) => (await client.request<Record<string, any>>(ops.push.query, ops.push.variables(rows as never)))['pushTodo'] },
    });
    await replication.awaitInSync();
    elapsed = performance.now() - start;
    await replication.cancel();
  } else {
    const tokens = { get: async () => ({ token, generation: 1 }), rejected() {}, accepted() {} };
    const sync = new SyncEngine({ database: db, collections: { todo: { schema: todoSchema } }, graphqlUrl: urls.graphqlUrl, tokens, pullBatchSize: BATCH, pushBatchSize: BATCH, pullIntervalMs: 3_600_000 });
    const start = performance.now();
    await sync.open();
    await sync.resume();
    await sync.awaitInSync();
    elapsed = performance.now() - start;
    await sync.close();
  }
  const local = await collection.count().exec();
  const remote = await serverCount(token);
  if (local !== n || remote !== n) throw new Error(`${lane}/${scenario}: local ${local}, server ${remote}, expected ${n}`);
  await db.close();
  return (n / elapsed) * 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results: Record<string, number[]> = {};
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, initial ${INITIAL}, backlog ${BACKLOG}, batch ${BATCH}, reps ${REPS}`);
await run('raw', 'initial'); // warm-up
await run('ours', 'initial');
for (let rep = 0; rep < REPS; rep++) {
  for (const scenario of ['initial', 'backlog'] as const) {
    const order: Lane[] = rep % 2 === 0 ? ['raw', 'ours'] : ['ours', 'raw'];
    for (const lane of order) (results[`${scenario}/${lane}`] ??= []).push(await run(lane, scenario));
  }
}
const samples = (values: number[]) => values.map((v) => v.toFixed(0)).join(' ');
for (const scenario of ['initial', 'backlog'] as const) {
  const raw = median(results[`${scenario}/raw`]!);
  const ours = median(results[`${scenario}/ours`]!);
  console.log(`${scenario.padEnd(8)} raw ${raw.toFixed(0).padStart(7)} docs/s   ours ${ours.toFixed(0).padStart(7)} docs/s   ours/raw ${(ours / raw).toFixed(2)}`);
  console.log(`         samples raw [${samples(results[`${scenario}/raw`]!)}] ours [${samples(results[`${scenario}/ours`]!)}]`);
}
child.disconnect();
