// The benchmark: four lanes side by side against one reference server process, interleaved per
// repetition, for an initial sync and a backlog push; prints markdown, writes bench/results/*.json.
// Run: npm run bench   (sizes: see bench/config.ts)
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { BenchServer } from './bench-server.ts';
import { readConfig } from './config.ts';
import { expectCount, type Lane, type Timing } from './lane.ts';
import { graphqlRequestLane } from './lanes/graphql-request-lane.ts';
import { rxdbLane } from './lanes/rxdb-lane.ts';
import { syncClientLane } from './lanes/sync-client-lane.ts';
import { syncEngineLane } from './lanes/sync-engine-lane.ts';
import { machineInfo, markdownReport, type ScenarioResult } from './report.ts';
import { summarise } from './summary.ts';
import { seedServer, serverCount, todos } from './todo-fixture.ts';

const config = readConfig();
const machine = machineInfo(os.loadavg());
const server = await BenchServer.start();
const gc = (globalThis as { gc?: () => void }).gc;
try {
  const lanes: Lane[] = [graphqlRequestLane, rxdbLane, syncEngineLane, syncClientLane].map((lane) => lane(server, config.batch));
  const seeded = await server.newUser();
  await seedServer(server.graphqlUrl, seeded.token, todos(config.initialDocs, 'seed'));
  let backlogs = 0;
  const scenarios = [
    { title: `Initial sync of ${config.initialDocs.toLocaleString('en')} server documents`, docs: config.initialDocs, run: (lane: Lane) => lane.initialSync(seeded, config.initialDocs) },
    {
      title: `Push of a local backlog of ${config.backlogDocs.toLocaleString('en')} documents`,
      docs: config.backlogDocs,
      async run(lane: Lane): Promise<Timing> {
        const user = await server.newUser();
        const timing = await lane.backlogPush(user, todos(config.backlogDocs, `backlog${++backlogs}`));
        expectCount(`${lane.id} server`, await serverCount(server.graphqlUrl, user.token, config.backlogDocs), config.backlogDocs);
        return timing;
      },
    },
  ];
  const timings = scenarios.map(() => lanes.map((): Timing[] => []));
  for (let rep = 0; rep <= config.repetitions; rep += 1) {
    for (const [s, scenario] of scenarios.entries()) {
      // Rotated each repetition (L1 L2 L3 L4, L2 L3 L4 L1, …): no lane always runs after the same one.
      for (const l of lanes.map((_, i) => (i + rep) % lanes.length)) {
        const lane = lanes[l]!;
        gc?.(); // garbage of the previous lane is collected before the clock, not during it
        const timing = await scenario.run(lane);
        if (rep > 0) timings[s]![l]!.push(timing); // repetition 0 is the warm-up
        process.stderr.write(`${rep === 0 ? 'warm-up' : `rep ${rep}`} ${lane.id} ${scenario.docs} docs: ${Math.round(timing.ms)} ms\n`);
      }
    }
  }
  const results: ScenarioResult[] = scenarios.map((scenario, s) => ({ title: scenario.title, summaries: timings[s]!.map((t) => summarise(scenario.docs, t)) }));
  console.log(markdownReport(config, machine, lanes, results));
  if (config.writeJson) {
    const dir = new URL('./results/', import.meta.url);
    await mkdir(dir, { recursive: true });
    const file = new URL(`run-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
    await writeFile(file, JSON.stringify({ machine, config, lanes: lanes.map(({ id, label }) => ({ id, label })), results }, null, 2));
  }
} finally {
  server.close();
}
