/**
 * Pull throughput of the reference server: 10,000 documents of one user, pulled in pages of 1,000 over
 * loopback, through graphql-request (what the client uses) and raw fetch (the transport floor), on PGlite
 * and, when TEST_DATABASE_URL is set, on PostgreSQL. Run: npx tsx bench/server-pull.ts
 */
import { GraphQLClient } from 'graphql-request';
import { startServer } from '../examples/server/start-server.ts';
import { serverLanes, startLaneServer, TEST_SCRYPT_COST } from '../test/helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../test/helpers/server-requests.ts';

const DOCS = 10_000;
const PAGE = 1_000;
const REPETITIONS = 7;

interface Bulk { documents: Array<{ id: string }>; checkpoint: { id: string; updatedAt: number } | null }
type PullPage = (checkpoint: Bulk['checkpoint']) => Promise<Bulk>;

/** Pulls everything from the start; returns documents received and requests made. */
async function pullAll(pullPage: PullPage): Promise<{ docs: number; requests: number }> {
  let checkpoint: Bulk['checkpoint'] = null;
  let docs = 0;
  let requests = 0;
  for (;;) {
    const bulk = await pullPage(checkpoint);
    requests += 1;
    docs += bulk.documents.length;
    checkpoint = bulk.checkpoint;
    if (bulk.documents.length < PAGE) return { docs, requests };
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(pullPage: PullPage): Promise<{ median: number; min: number; max: number; requests: number }> {
  await pullAll(pullPage); // warm-up: JIT, parse/validate cache, connections
  const rates: number[] = [];
  let requests = 0;
  for (let i = 0; i < REPETITIONS; i += 1) {
    const started = performance.now();
    const result = await pullAll(pullPage);
    const seconds = (performance.now() - started) / 1000;
    if (result.docs !== DOCS) throw new Error(`pulled ${result.docs} documents, expected ${DOCS}`);
    requests = result.requests;
    rates.push(DOCS / seconds);
  }
  return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates), requests };
}

const rows: string[] = [];
for (const lane of serverLanes) {
  // PGlite as `npm run server` runs it by default: in memory.
  const running = lane.freshDatabase
    ? await startLaneServer(lane)
    : await startServer({ scryptCost: TEST_SCRYPT_COST }).then((server) => ({ server, close: () => server.close() }));
  try {
    const { server } = running;
    const user = await signedInUser(server);
    for (let start = 0; start < DOCS; start += PAGE) {
      const rows = Array.from({ length: PAGE }, (_, i) => ({ newDocumentState: todo(`doc-${String(start + i).padStart(5, '0')}`, 'x'.repeat(64)) }));
      const res = await graphql(server, user.accessToken, PUSH_TODO, { rows });
      if (res.status !== 200 || res.body.data.pushTodo.length !== 0) throw new Error(`seeding failed with ${res.status}`);
    }
    const client = new GraphQLClient(server.graphqlUrl, { headers: { authorization: `Bearer ${user.accessToken}` } });
    const viaGraphQLRequest: PullPage = async (checkpoint) =>
      (await client.request<{ pullTodo: Bulk }>(PULL_TODO, { checkpoint, limit: PAGE })).pullTodo;
    const viaFetch: PullPage = async (checkpoint) => {
      const res = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
        body: JSON.stringify({ query: PULL_TODO, variables: { checkpoint, limit: PAGE } }),
      });
      return ((await res.json()) as { data: { pullTodo: Bulk } }).data.pullTodo;
    };
    for (const [client, pullPage] of [['graphql-request', viaGraphQLRequest], ['fetch', viaFetch]] as const) {
      const r = await measure(pullPage);
      rows.push(`| ${lane.freshDatabase ? lane.name : 'pglite (memory)'} | ${client} | ${Math.round(r.median).toLocaleString('en')} | ${Math.round(r.min).toLocaleString('en')}–${Math.round(r.max).toLocaleString('en')} | ${r.requests} |`);
    }
  } finally {
    await running.close();
  }
}

console.log(`Pull of ${DOCS.toLocaleString('en')} documents in pages of ${PAGE.toLocaleString('en')} over loopback, ${REPETITIONS} repetitions after a warm-up (docs/s)\n`);
console.log('| storage | client | median | min–max | requests per pull |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
