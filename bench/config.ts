// The run's configuration, from the environment (see bench/run.ts's header for the list).
import type { LaneId } from './lane.ts';
import type { ServerKind } from './sync-server.ts';

/** The scenarios a run may include. */
export type ScenarioName = 'initial' | 'backlog' | 'cycle' | 'latency' | 'browser';

/** Sizes and repetitions of one run. */
export interface BenchConfig {
  servers: ServerKind[];
  scenarios: Set<ScenarioName>;
  lanes: Set<LaneId>;
  /** Documents of the initial sync and the backlog on the lane server… */
  sizes: number[];
  /** …and on the reference servers (PGlite, PostgreSQL). */
  slowSizes: number[];
  repetitions: number;
  slowRepetitions: number;
  /** Pull and push batch of L1–L3 (and of L5 unless BENCH_L5_SYNC says otherwise). */
  batch: number;
  /** Cycles per lane of the heap pass (and the figure's denominator)… */
  cycles: number;
  /** …and of the interleaved timing pass. */
  cycleSamples: number;
  cycleWarmup: number;
  /** Documents of the warm-up pass (capped at the smallest size). */
  warmupDocs: number;
  latencySamples: number;
  browserDocs: number;
  browserRepetitions: number;
  writeJson: boolean;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function list<T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const values = raw.split(',').map((v) => v.trim()).filter(Boolean) as T[];
  for (const v of values) if (!allowed.includes(v)) throw new Error(`${name}: unknown "${v}" (one of ${allowed.join(', ')})`);
  return values;
}

function sizes(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a comma-separated list of positive integers, got ${raw}`);
    return n;
  });
}

const SERVERS = ['memory', 'pglite', 'postgres'] as const;
const SCENARIOS = ['initial', 'backlog', 'cycle', 'latency', 'browser'] as const;
const LANES = ['L1', 'L2', 'L3', 'L4', 'L5'] as const;

/** Reads the environment. */
export function readConfig(): BenchConfig {
  return {
    servers: list('BENCH_SERVERS', SERVERS, SERVERS),
    scenarios: new Set(list('BENCH_SCENARIOS', SCENARIOS, SCENARIOS)),
    lanes: new Set(list('BENCH_LANES', LANES, LANES)),
    sizes: sizes('BENCH_SIZES', [10_000, 30_000]),
    slowSizes: sizes('BENCH_SLOW_SIZES', [10_000]),
    repetitions: positive('BENCH_REPS', 3),
    slowRepetitions: positive('BENCH_SLOW_REPS', 2),
    batch: positive('BENCH_BATCH', 1000),
    cycles: positive('BENCH_CYCLES', 200),
    cycleSamples: positive('BENCH_CYCLE_SAMPLES', 100),
    warmupDocs: positive('BENCH_WARMUP_DOCS', 5_000),
    cycleWarmup: positive('BENCH_CYCLE_WARMUP', 20),
    latencySamples: positive('BENCH_LATENCY_SAMPLES', 40),
    browserDocs: positive('BENCH_BROWSER_DOCS', 10_000),
    browserRepetitions: positive('BENCH_BROWSER_REPS', 3),
    writeJson: process.env.BENCH_JSON !== '0',
  };
}
