// The run's markdown report: machine, configuration, one table per scenario, the ratios, and a summary.
import os from 'node:os';
import type { BenchConfig } from './config.ts';
import type { LaneId } from './lane.ts';
import { pairedRatio, type LaneSummary } from './summary.ts';
import type { ServerKind } from './sync-server.ts';

/** A throughput scenario (initial sync, backlog push, browser initial sync) on one server at one size. */
export interface ThroughputResult {
  server: ServerKind;
  scenario: 'initial' | 'backlog' | 'browser';
  docs: number;
  lanes: { id: LaneId; label: string }[];
  summaries: LaneSummary[];
}

/** The login cycle of one lane. */
export interface CycleResult {
  server: ServerKind;
  lane: LaneId;
  label: string;
  cycles: number;
  loginToInSync: { p50: number; p95: number };
  total: { p50: number; p95: number };
  /** null without --expose-gc. */
  heapBytesPerCycle: number | null;
  perCycle: { logins: number; refreshes: number; pulls: number; pushes: number; streamConnects: number };
}

/** Write on one device → visible on another, for one lane. */
export interface LatencyResult { server: ServerKind; lane: LaneId; label: string; samples: number; p50: number; p95: number; max: number }

/** Node, CPU and load: the context the numbers need. */
export function machineInfo() {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}
export type MachineInfo = ReturnType<typeof machineInfo>;

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '–');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en')) : '–');
const SERVER_NAMES: Record<ServerKind, string> = {
  memory: 'lane server (in memory, bench/lane-server)',
  pglite: 'reference server on PGlite (in memory)',
  postgres: 'reference server on PostgreSQL',
};
const SCENARIO_NAMES = { initial: 'Initial sync', backlog: 'Backlog push', browser: 'Chromium, Dexie storage: initial sync' } as const;
/** The ratios the report states, when both lanes ran. */
export const RATIO_PAIRS = [['L4', 'L3'], ['L5', 'L3'], ['L4', 'L2'], ['L2', 'L1'], ['L3', 'L1']] as const;

function ratioOf(result: ThroughputResult, a: LaneId, b: LaneId) {
  const i = result.lanes.findIndex((l) => l.id === a);
  const j = result.lanes.findIndex((l) => l.id === b);
  return i < 0 || j < 0 ? null : pairedRatio(result.summaries[i]!, result.summaries[j]!);
}

function throughputTable(result: ThroughputResult): string[] {
  const lines = [
    `### ${SCENARIO_NAMES[result.scenario]} of ${int(result.docs)} documents — ${SERVER_NAMES[result.server]}`, '',
    ...(result.scenario === 'browser'
      ? ['Debian\'s Chromium (headless, playwright-core), a fresh context per run, timed in the page. L3 as in Node (`multiInstance: false`, no leader election); ' +
          'L4 at its browser defaults (Dexie storage; tabs can share a database there, so `multiInstance` is on).', '']
      : []),
    '| lane | median docs/s | IQR docs/s | pulls | pushes | login ms (outside the clock) |', '|---|---:|---:|---:|---:|---:|',
  ];
  result.summaries.forEach((s, i) => {
    const lane = result.lanes[i]!;
    lines.push(`| ${lane.id} ${lane.label} | ${int(s.median)} | ${int(s.q1)}–${int(s.q3)} | ${s.pulls} | ${s.pushes} | ${s.loginMs === null ? '' : ms(s.loginMs)} |`);
  });
  const ratios = RATIO_PAIRS.flatMap(([a, b]) => {
    const r = ratioOf(result, a, b);
    return r ? [`${a}/${b} **${r.median.toFixed(2)}** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`] : [];
  });
  if (ratios.length > 0) lines.push('', `Ratios of docs/s, median of per-repetition ratios (min–max): ${ratios.join(', ')}`);
  // The wire limit must be far above the replications, or the server is what the lanes measure.
  const floor = result.summaries[result.lanes.findIndex((l) => l.id === 'L1')];
  const others = result.summaries.filter((_, i) => result.lanes[i]!.id !== 'L1');
  if (floor && others.length > 0 && floor.median < 1.5 * Math.max(...others.map((s) => s.median))) {
    lines.push('', `**Note:** L1 (the wire limit) is less than 1.5× the fastest other lane: here the wire and the server bound the lanes, not the clients alone.`);
  }
  return lines;
}

/** The markdown printed to stdout. */
export function markdownReport(args: {
  config: BenchConfig;
  machine: MachineInfo;
  loadAtEnd: number[];
  durationMs: number;
  lanes: { id: LaneId; label: string }[];
  notes: string[];
  throughput: ThroughputResult[];
  cycles: CycleResult[];
  latency: LatencyResult[];
}): string {
  const { config, machine } = args;
  const lines = [
    '## session-sync benchmark', '',
    `node ${machine.node}, ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAtStart.join(' / ')} at start, ` +
      `${args.loadAtEnd.map((l) => l.toFixed(2)).join(' / ')} at end (1/5/15 min); run took ${Math.round(args.durationMs / 1000)} s`,
    '',
    `Lanes: ${args.lanes.map((l) => `**${l.id}** ${l.label}`).join('; ')}.`,
    '',
    `Throughput: ${config.repetitions} repetition${config.repetitions === 1 ? '' : 's'} on the lane server, ${config.slowRepetitions} on the reference servers, after one warm-up pass of ${int(Math.min(config.warmupDocs, ...config.sizes))} documents; ` +
      `lanes interleaved, order rotated each repetition; batch ${int(config.batch)} both ways in L1–L3; every server in its own process over loopback; RxDB memory storage in Node. ` +
      'Clocks: L1–L3 from opening the database (login before the clock); L4/L5 from the session entering `active` to `awaitInSync()`. ' +
      'Every run checks the local count (initial sync) or the server\'s count (backlog).',
  ];
  for (const note of args.notes) lines.push('', `> ${note}`);

  for (const result of args.throughput) lines.push('', ...throughputTable(result));

  if (args.cycles.length > 0) {
    const c0 = args.cycles[0]!;
    lines.push('', `### Login → write one document → in sync → logout — ${SERVER_NAMES[c0.server]}`, '',
      'One device (and user) per lane, its local database kept between logins (as logout keeps it); each cycle updates the same document. ' +
        `Times: ${int(config.cycleSamples)} cycles per lane, all lanes' devices open at once, cycles interleaved, lane order rotated each cycle. Heap: then one lane at a time, ${int(c0.cycles)} cycles after ${config.cycleWarmup} warm-up cycles, ` +
        '`heapUsed` after a full GC at eleven points, growth = their Theil–Sen slope (L1 keeps no state: its figure is the noise floor, about ±1–2 KB/cycle at 200 cycles). Requests per cycle from that pass.', '',
      '| lane | login → in sync p50 ms | cycle p50 ms | cycle p95 ms | heap growth bytes/cycle | requests per cycle (logins, refreshes, pulls, pushes, stream connects) |',
      '|---|---:|---:|---:|---:|---|');
    for (const c of args.cycles) {
      const r = c.perCycle;
      lines.push(`| ${c.lane} ${c.label} | ${ms(c.loginToInSync.p50)} | ${ms(c.total.p50)} | ${ms(c.total.p95)} | ${c.heapBytesPerCycle === null ? 'n/a (no --expose-gc)' : int(c.heapBytesPerCycle)} | ` +
        `${[r.logins, r.refreshes, r.pulls, r.pushes, r.streamConnects].map((n) => n.toFixed(1)).join(', ')} |`);
    }
    const byLane = new Map(args.cycles.map((c) => [c.lane, c]));
    const cycleRatios = RATIO_PAIRS.flatMap(([a, b]) => {
      const x = byLane.get(a);
      const y = byLane.get(b);
      return x && y ? [`${a}/${b} ${(x.total.p50 / y.total.p50).toFixed(2)}`] : [];
    });
    if (cycleRatios.length > 0) lines.push('', `Cycle time ratios (p50, lower is faster): ${cycleRatios.join(', ')}`);
  }

  if (args.latency.length > 0) {
    const l0 = args.latency[0]!;
    lines.push('', `### Write on one device → visible on another (live stream) — ${SERVER_NAMES[l0.server]}`, '',
      'Two devices of one user, both in sync; device A inserts one document, the clock stops when device B\'s collection has it.', '',
      '| lane | p50 ms | p95 ms | max ms | samples |', '|---|---:|---:|---:|---:|');
    for (const l of args.latency) lines.push(`| ${l.lane} ${l.label} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.max)} | ${l.samples} |`);
  }

  // Cost linear in N: docs/s at the largest size over docs/s at the smallest (1.00 = linear).
  const scaling = new Map<string, ThroughputResult[]>();
  for (const r of args.throughput) scaling.set(`${r.server}|${r.scenario}`, [...(scaling.get(`${r.server}|${r.scenario}`) ?? []), r]);
  const scalingRows = [...scaling.values()].flatMap((rs) => {
    if (rs.length < 2) return [];
    const small = rs.reduce((a, b) => (b.docs < a.docs ? b : a));
    const large = rs.reduce((a, b) => (b.docs > a.docs ? b : a));
    const cells = small.lanes.map((lane, i) => {
      const j = large.lanes.findIndex((l) => l.id === lane.id);
      return j < 0 ? '' : (large.summaries[j]!.median / small.summaries[i]!.median).toFixed(2);
    });
    return [`| ${small.server} | ${small.scenario} | ${int(small.docs)} → ${int(large.docs)} | ${small.lanes.map((l, i) => `${l.id} ${cells[i]}`).join(', ')} |`];
  });
  if (scalingRows.length > 0) {
    lines.push('', '### Cost linear in N? docs/s at the larger size ÷ docs/s at the smaller (1.00: linear; below: each document costs more as N grows)', '',
      '| server | scenario | documents | per lane |', '|---|---|---|---|', ...scalingRows);
  }

  const summaryRows = args.throughput.flatMap((r) => {
    const cells = RATIO_PAIRS.map(([a, b]) => ratioOf(r, a, b));
    if (cells.every((c) => c === null)) return [];
    return [`| ${r.server} | ${r.scenario} | ${int(r.docs)} | ${cells.map((c) => (c ? c.median.toFixed(2) : '')).join(' | ')} |`];
  });
  if (summaryRows.length > 0) {
    lines.push('', '### Ratios of docs/s at a glance (median of per-repetition ratios; > 1: the first lane is faster)', '',
      `| server | scenario | documents | ${RATIO_PAIRS.map(([a, b]) => `${a}/${b}`).join(' | ')} |`,
      `|---|---|---:|${RATIO_PAIRS.map(() => '---:').join('|')}|`, ...summaryRows);
  }
  return lines.join('\n');
}
