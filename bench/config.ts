// The run's configuration, from the environment: BENCH_REPS, BENCH_INITIAL, BENCH_BACKLOG,
// BENCH_PULL_BATCH, BENCH_PUSH_BATCH, BENCH_JSON (0 to skip writing bench/results/).
import type { BatchSizes } from './lane.ts';

/** Sizes and repetitions of one run. */
export interface BenchConfig {
  repetitions: number;
  initialDocs: number;
  backlogDocs: number;
  batch: BatchSizes;
  writeJson: boolean;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** Reads the environment; defaults: 5 repetitions, 10,000 pulled, 5,000 pushed, pages of 1,000 / batches of 100. */
export function readConfig(): BenchConfig {
  return {
    repetitions: positive('BENCH_REPS', 5),
    initialDocs: positive('BENCH_INITIAL', 10_000),
    backlogDocs: positive('BENCH_BACKLOG', 5_000),
    batch: { pull: positive('BENCH_PULL_BATCH', 1000), push: positive('BENCH_PUSH_BATCH', 100) },
    writeJson: process.env.BENCH_JSON !== '0',
  };
}
