/**
 * The benchmark: lanes side by side against one server process per server kind, interleaved
 * and rotated per repetition, reported as ratios. Lanes:
 *   L1 graphql-request loop (the wire limit; a bare graphql-ws client for the stream)
 *   L2 RxDB replicateRxCollection with graphql-request handlers, batch 1000 both ways
 *   L3 RxDB's replicateGraphQL plugin, live, websocket stream, batch 1000 both ways
 *   L4 createSyncClient at its defaults (graphql { url, wsUrl }, memory storage, no `sync` options)
 *   L5 createSyncClient tuned (bench/lanes/sync-client-lane.ts tunedOptions; BENCH_L5_SYNC adds JSON)
 * Servers: memory (bench/lane-server, fast, in memory), pglite (the reference server, examples/server),
 * postgres (the reference server on a throwaway database under TEST_DATABASE_URL or DATABASE_URL;
 * skipped with a note when neither is set — start one with `eval "$(scripts/start-postgres.sh)"`).
 * Scenarios: initial (initial sync), backlog (push of a local backlog), cycle (login → write → in sync →
 * logout, heap growth), latency (write on one device → visible on another), browser (initial sync in
 * Chromium on Dexie, L3 vs L4). cycle, latency and browser run on the first server that starts.
 *
 * Run:   npm run bench                        (everything; about 10 minutes on 2 cores)
 * Quick: BENCH_SERVERS=memory BENCH_SIZES=2000 BENCH_REPS=1 BENCH_CYCLES=20 BENCH_CYCLE_SAMPLES=20 \
 *        BENCH_LATENCY_SAMPLES=10 BENCH_BROWSER_DOCS=2000 BENCH_BROWSER_REPS=1 npm run bench   (about 1.5 minutes)
 * Part:  BENCH_SERVERS=memory BENCH_SCENARIOS=initial,backlog npm run bench
 * Environment (defaults in brackets): BENCH_SERVERS [memory,pglite,postgres], BENCH_SCENARIOS
 * [initial,backlog,cycle,latency,browser], BENCH_LANES [L1,L2,L3,L4,L5], BENCH_SIZES [10000,30000] (lane
 * server), BENCH_SLOW_SIZES [10000] (reference servers), BENCH_REPS [3], BENCH_SLOW_REPS [2], BENCH_BATCH
 * [1000], BENCH_WARMUP_DOCS [5000], BENCH_CYCLES [200] (heap pass), BENCH_CYCLE_SAMPLES [100] (timing
 * pass), BENCH_CYCLE_WARMUP [20], BENCH_LATENCY_SAMPLES [40], BENCH_BROWSER_DOCS
 * [10000], BENCH_BROWSER_REPS [3], BENCH_L5_SYNC (JSON merged into L5's `sync`), BENCH_JSON (0: no copy in bench/results/), BENCH_HEAP_DEBUG (1:
 * print the heap samples of the cycle scenario).
 * Markdown goes to stdout, progress to stderr. `npm run bench` runs with --expose-gc (heap figures).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { BenchServer, postgresAdminUrl, type BenchUser } from './bench-server.ts';
import { startBrowserBench } from './browser/browser-initial-sync.ts';
import { readConfig, type BenchConfig } from './config.ts';
import type { ServerStats } from '../examples/server/stats.ts';
import { expectCount, within, type CycleTiming, type DevicePair, type Lane, type LaneId, type Timing } from './lane.ts';
import { graphqlRequestLane } from './lanes/graphql-request-lane.ts';
import { pluginLane } from './lanes/plugin-lane.ts';
import { rxdbLane } from './lanes/rxdb-lane.ts';
import { describeTuned, syncClientLane, tunedOptions } from './lanes/sync-client-lane.ts';
import { machineInfo, markdownReport, type CycleResult, type LatencyResult, type ThroughputResult } from './report.ts';
import { quantile, summarise } from './summary.ts';
import type { ServerKind } from './sync-server.ts';
import { seedServer, serverCount, todos } from './todo-fixture.ts';

const config = readConfig();
const machine = machineInfo();
const runStarted = performance.now();
const gcNow = (globalThis as { gc?: () => void }).gc;
const log = (line: string) => process.stderr.write(`[${Math.round((performance.now() - runStarted) / 1000)} s] ${line}\n`);
const notes: string[] = [];
const throughput: ThroughputResult[] = [];
const cycles: CycleResult[] = [];
const latency: LatencyResult[] = [];

function buildLanes(server: BenchServer, c: BenchConfig): Lane[] {
  const all: Lane[] = [
    graphqlRequestLane(server, c.batch),
    rxdbLane(server, c.batch),
    pluginLane(server, c.batch),
    syncClientLane(server, { id: 'L4', label: 'createSyncClient at defaults', extra: () => ({}) }),
    syncClientLane(server, { id: 'L5', label: 'createSyncClient tuned', extra: tunedOptions }),
  ];
  return all.filter((lane) => c.lanes.has(lane.id));
}

const rotated = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);

async function collectGarbage(): Promise<void> {
  if (!gcNow) return;
  gcNow();
  await new Promise((resolve) => setImmediate(resolve));
  gcNow();
}

async function runThroughput(server: BenchServer, lanes: Lane[]): Promise<void> {
  const slow = server.kind !== 'memory';
  const sizes = slow ? config.slowSizes : config.sizes;
  const reps = slow ? config.slowRepetitions : config.repetitions;
  const scenarios = (['initial', 'backlog'] as const).filter((s) => config.scenarios.has(s));
  if (scenarios.length === 0) return;
  const warmupDocs = Math.min(config.warmupDocs, ...sizes);
  const seeded = new Map<number, BenchUser>();
  if (scenarios.includes('initial')) {
    for (const n of new Set([...sizes, warmupDocs])) {
      const user = await server.newUser();
      await seedServer(server.graphqlUrl, user.token, todos(n, `seed${n}`));
      seeded.set(n, user);
    }
  }
  let backlogs = 0;
  const run = async (scenario: 'initial' | 'backlog', lane: Lane, n: number): Promise<Timing> => {
    if (scenario === 'initial') return lane.initialSync(seeded.get(n)!, n);
    const user = await server.newUser();
    const timing = await lane.backlogPush(user, todos(n, `backlog${++backlogs}`));
    // A fresh token: the library lanes revoke the user's sessions (and with them every access token) on the way.
    const { accessToken } = await server.login(user.username, user.password);
    expectCount(`${lane.id} server`, await serverCount(server.graphqlUrl, accessToken), n);
    await server.forgetDocuments(user.userId);
    return timing;
  };
  const timings = new Map<string, Timing[][]>();
  for (let rep = 0; rep <= reps; rep += 1) {
    // Repetition 0 is the warm-up (JIT, connections, the server's caches), at BENCH_WARMUP_DOCS only.
    for (const n of rep === 0 ? [warmupDocs] : sizes) {
      for (const scenario of scenarios) {
        const key = `${scenario}:${n}`;
        if (rep > 0 && !timings.has(key)) timings.set(key, lanes.map(() => []));
        // Rotated each repetition (L1 L2 L3 L4 L5, L2 L3 L4 L5 L1, …): no lane always runs after the same one.
        for (const lane of rotated(lanes, rep)) {
          await collectGarbage(); // the previous lane's garbage is collected before the clock, not during it
          const timing = await run(scenario, lane, n);
          if (rep > 0) timings.get(key)![lanes.indexOf(lane)]!.push(timing);
          log(`${server.kind} ${rep === 0 ? 'warm-up' : `rep ${rep}/${reps}`} ${scenario} ${n} ${lane.id}: ${Math.round(timing.ms)} ms, ${timing.pulls} pulls, ${timing.pushes} pushes`);
        }
      }
    }
  }
  for (const n of sizes) {
    for (const scenario of scenarios) {
      throughput.push({ server: server.kind, scenario, docs: n, lanes: lanes.map(({ id, label }) => ({ id, label })), summaries: timings.get(`${scenario}:${n}`)!.map((t) => summarise(n, t)) });
    }
  }
}

/**
 * Growth per cycle from heap samples (bytes) at cycle counts: the Theil–Sen estimator (median of the
 * slopes between every pair of samples), which one noisy sample cannot pull far.
 */
function slope(points: { x: number; y: number }[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i += 1) {
    for (let j = i + 1; j < points.length; j += 1) slopes.push((points[j]!.y - points[i]!.y) / (points[j]!.x - points[i]!.x));
  }
  return quantile(slopes, 0.5);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** heapUsed after full GCs, with a pause between them for timers and finalizers that release more. */
async function heapUsed(settleMs = 50): Promise<number> {
  await collectGarbage();
  await sleep(settleMs);
  await collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Two passes. Times: every lane's device open at once, BENCH_CYCLE_SAMPLES cycles interleaved (lane order
 * rotated each cycle), so the machine's slow phases hit every lane alike. Heap: one lane at a time, BENCH_CYCLES
 * cycles after the warm-up, heapUsed after a full GC at eleven points; the growth is their Theil–Sen slope.
 */
async function runCycles(server: BenchServer, lanes: Lane[]): Promise<void> {
  const cycling = lanes.filter((lane) => lane.cycler);
  const per = (before: ServerStats, after: ServerStats, n: number) => {
    const d = (field: 'logins' | 'refreshes' | 'pulls' | 'pushes' | 'streamConnects') => (after[field] - before[field]) / n;
    return { logins: d('logins'), refreshes: d('refreshes'), pulls: d('pulls'), pushes: d('pushes'), streamConnects: d('streamConnects') };
  };
  // Pass 1: times.
  const users = await Promise.all(cycling.map(() => server.newUser()));
  const devices = await Promise.all(cycling.map((lane, i) => lane.cycler!(users[i]!)));
  const samples = cycling.map((): CycleTiming[] => []);
  const counts: CycleResult['perCycle'][] = [];
  try {
    for (let i = 0; i < config.cycleWarmup; i += 1) {
      for (const [l, lane] of cycling.entries()) await within(60_000, `${lane.id} cycle`, devices[l]!.cycle(i));
    }
    for (let k = 0; k < config.cycleSamples; k += 1) {
      for (const l of rotated(cycling.map((_, i) => i), k)) {
        samples[l]!.push(await within(60_000, `${cycling[l]!.id} cycle`, devices[l]!.cycle(config.cycleWarmup + k)));
      }
    }
  } finally {
    for (const device of devices) await device.close();
  }
  // Pass 2: heap growth (and each lane's own request counts), one lane at a time.
  for (const [l, lane] of cycling.entries()) {
    const user = await server.newUser();
    const device = await lane.cycler!(user);
    let heapBytesPerCycle: number | null = null;
    try {
      let i = 0;
      for (; i < config.cycleWarmup; i += 1) await within(60_000, `${lane.id} cycle`, device.cycle(i));
      // Sockets and databases closed just before (the last lane, pass 1) release their memory late: let them.
      const points = [{ x: 0, y: await heapUsed(1_000) }];
      const before = await server.stats();
      for (let k = 1; k <= config.cycles; k += 1, i += 1) {
        await within(60_000, `${lane.id} cycle`, device.cycle(i));
        if (gcNow && k % Math.max(1, Math.floor(config.cycles / 10)) === 0) points.push({ x: k, y: await heapUsed() });
      }
      counts[l] = per(before, await server.stats(), config.cycles);
      if (gcNow) heapBytesPerCycle = slope(points);
      if (process.env.BENCH_HEAP_DEBUG) log(`${lane.id} heap points ${JSON.stringify(points)}`);
    } finally {
      await device.close();
    }
    const times = samples[l]!;
    const result: CycleResult = {
      server: server.kind, lane: lane.id, label: lane.label, cycles: config.cycles,
      loginToInSync: { p50: quantile(times.map((s) => s.loginToInSyncMs), 0.5), p95: quantile(times.map((s) => s.loginToInSyncMs), 0.95) },
      total: { p50: quantile(times.map((s) => s.totalMs), 0.5), p95: quantile(times.map((s) => s.totalMs), 0.95) },
      heapBytesPerCycle,
      perCycle: counts[l]!,
    };
    cycles.push(result);
    log(`${server.kind} cycle ${lane.id}: p50 ${result.total.p50.toFixed(1)} ms, login → in sync p50 ${result.loginToInSync.p50.toFixed(1)} ms, heap ${heapBytesPerCycle === null ? 'n/a' : Math.round(heapBytesPerCycle)} B/cycle`);
  }
}

/** Every lane's two devices open at once; samples interleaved, lane order rotated each sample. */
async function runLatency(server: BenchServer, lanes: Lane[]): Promise<void> {
  const warmup = 5;
  const pairing = lanes.filter((lane) => lane.devicePair);
  const pairs: DevicePair[] = [];
  const samples = pairing.map((): number[] => []);
  try {
    for (const lane of pairing) pairs.push(await lane.devicePair!(await server.newUser()));
    for (let i = 0; i < warmup + config.latencySamples; i += 1) {
      for (const l of rotated(pairing.map((_, k) => k), i)) {
        const lane = pairing[l]!;
        const id = `latency-${lane.id}-${i}`;
        const seen = within(15_000, `${lane.id} device B sees ${id}`, pairs[l]!.seen(id));
        const started = performance.now();
        await pairs[l]!.write({ id, title: `latency ${i}`, done: false });
        await seen;
        if (i >= warmup) samples[l]!.push(performance.now() - started);
        await sleep(20); // one write at a time, nothing coalesced
      }
    }
  } finally {
    for (const pair of pairs) await pair.close();
  }
  for (const [l, lane] of pairing.entries()) {
    const s = samples[l]!;
    const result: LatencyResult = { server: server.kind, lane: lane.id, label: lane.label, samples: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: Math.max(...s) };
    latency.push(result);
    log(`${server.kind} latency ${lane.id}: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms`);
  }
}

async function runBrowser(server: BenchServer, lanes: Lane[]): Promise<void> {
  const ids = (['L3', 'L4'] as const).filter((id) => config.lanes.has(id));
  if (ids.length === 0) return;
  const n = config.browserDocs;
  const warmupDocs = Math.min(n, 2_000);
  const user = await server.newUser();
  await seedServer(server.graphqlUrl, user.token, todos(n, `browser${n}`));
  const warmupUser = await server.newUser();
  await seedServer(server.graphqlUrl, warmupUser.token, todos(warmupDocs, `browser${warmupDocs}`));
  const browser = await startBrowserBench(server, config.batch);
  try {
    const timings = ids.map((): Timing[] => []);
    // Repetition 0 is the warm-up (the page's JIT, IndexedDB), on a smaller set.
    for (let rep = 0; rep <= config.browserRepetitions; rep += 1) {
      for (const id of rotated(ids, rep)) {
        const timing = rep === 0 ? await browser.run(id, warmupUser, warmupDocs) : await browser.run(id, user, n);
        if (rep > 0) timings[ids.indexOf(id)]!.push(timing);
        log(`${server.kind} browser ${rep === 0 ? `warm-up ${warmupDocs}` : `rep ${rep}/${config.browserRepetitions} ${n}`} ${id}: ${Math.round(timing.ms)} ms, ${timing.pulls} pulls`);
      }
    }
    const label = (id: LaneId) => `${lanes.find((l) => l.id === id)?.label ?? id} (Dexie)`;
    throughput.push({ server: server.kind, scenario: 'browser', docs: n, lanes: ids.map((id) => ({ id, label: label(id) })), summaries: timings.map((t) => summarise(n, t)) });
  } finally {
    await browser.close();
  }
}

const allLanes = new Map<LaneId, string>();
let first = true;
if (config.lanes.has('L5')) notes.push(`L5's options: \`${describeTuned()}\` (BENCH_L5_SYNC overrides \`sync\`).`);
try {
  for (const kind of config.servers) {
    if (kind === 'postgres' && !postgresAdminUrl()) {
      const note = 'PostgreSQL skipped: set TEST_DATABASE_URL or DATABASE_URL (e.g. `eval "$(scripts/start-postgres.sh)"`).';
      notes.push(note);
      log(note);
      continue;
    }
    log(`starting the ${kind} server`);
    const server = await BenchServer.start(kind as ServerKind);
    try {
      const lanes = buildLanes(server, config);
      for (const lane of lanes) allLanes.set(lane.id, lane.label);
      await runThroughput(server, lanes);
      if (first) {
        // The login cycle, the latency and the browser run on the first server only (the lane server by default).
        if (config.scenarios.has('cycle')) await runCycles(server, lanes);
        if (config.scenarios.has('latency')) await runLatency(server, lanes);
        if (config.scenarios.has('browser')) await runBrowser(server, lanes);
      }
    } finally {
      first = false;
      await server.close();
    }
  }
  const report = markdownReport({
    config, machine, loadAtEnd: os.loadavg(), durationMs: performance.now() - runStarted,
    lanes: [...allLanes].map(([id, label]) => ({ id, label })), notes, throughput, cycles, latency,
  });
  console.log(report);
  if (config.writeJson) {
    const dir = new URL('./results/', import.meta.url);
    await mkdir(dir, { recursive: true });
    const file = new URL(`run-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
    await writeFile(file, JSON.stringify({ machine, config: { ...config, scenarios: [...config.scenarios], lanes: [...config.lanes] }, notes, throughput, cycles, latency }, null, 2));
    await writeFile(new URL(file.href.replace(/\.json$/, '.md')), `${report}\n`);
  }
} catch (error) {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
// Lingering sockets or timers of a failed lane must not keep the run alive.
process.exit(process.exitCode ?? 0);
