/**
 * Pull throughput of the reference server: 10,000 documents of one user, pulled in pages of 1,000 over
 * loopback, through graphql-request (what the client uses) and raw fetch (the transport floor), on PGlite
 * and, when TEST_DATABASE_URL is set, on PostgreSQL. The server runs in this process (any lane's
 * database); `npm run bench` measures the same pull, graphql-request only, against a server process.
 * Run: npx tsx bench/server-pull.ts
 */
import { startServer } from '../examples/server/start-server.ts';
import type { PullBulk } from '../src/sync/graphql-operations.ts';
import { serverLanes, startLaneServer, TEST_SCRYPT_COST } from '../test/helpers/server-lanes.ts';
import { signedInUser } from '../test/helpers/server-requests.ts';
import { quantile } from './summary.ts';
import { graphqlClient, pullAll, pullWith, seedServer, todoOperations, todos, type PullPage } from './todo-fixture.ts';

const DOCS = 10_000;
const PAGE = 1_000;
const REPETITIONS = 7;

async function measure(pullPage: PullPage): Promise<{ median: number; min: number; max: number; requests: number }> {
  await pullAll(pullPage, PAGE); // warm-up: JIT, parse/validate cache, connections
  const rates: number[] = [];
  let requests = 0;
  for (let i = 0; i < REPETITIONS; i += 1) {
    const started = performance.now();
    const result = await pullAll(pullPage, PAGE);
    const seconds = (performance.now() - started) / 1000;
    if (result.docs !== DOCS) throw new Error(`pulled ${result.docs} documents, expected ${DOCS}`);
    requests = result.requests;
    rates.push(DOCS / seconds);
  }
  return { median: quantile(rates, 0.5), min: Math.min(...rates), max: Math.max(...rates), requests };
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const rows: string[] = [];
for (const lane of serverLanes) {
  // PGlite as `npm run server` runs it by default: in memory.
  const running = lane.freshDatabase
    ? await startLaneServer(lane)
    : await startServer({ scryptCost: TEST_SCRYPT_COST }).then((server) => ({ server, close: () => server.close() }));
  try {
    const { server } = running;
    const user = await signedInUser(server);
    await seedServer(server.graphqlUrl, user.accessToken, todos(DOCS, `pull${lane.name}`));
    const viaFetch: PullPage = async (checkpoint, limit) => {
      const res = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
        body: JSON.stringify({ query: todoOperations.pull.query, variables: todoOperations.pull.variables(checkpoint, limit) }),
      });
      return todoOperations.pull.data(((await res.json()) as { data: Record<string, unknown> }).data) as PullBulk;
    };
    for (const [client, pullPage] of [['graphql-request', pullWith(graphqlClient(server.graphqlUrl, user.accessToken))], ['fetch', viaFetch]] as const) {
      const r = await measure(pullPage);
      rows.push(`| ${lane.freshDatabase ? lane.name : 'pglite (memory)'} | ${client} | ${int(r.median)} | ${int(r.min)}–${int(r.max)} | ${r.requests} |`);
    }
  } finally {
    await running.close();
  }
}

console.log(`Pull of ${int(DOCS)} documents in pages of ${int(PAGE)} over loopback, ${REPETITIONS} repetitions after a warm-up (docs/s)\n`);
console.log('| storage | client | median | min–max | requests per pull |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
