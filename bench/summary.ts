// Medians, quartiles and paired ratios of the samples one scenario collected per lane.
import type { Timing } from './lane.ts';

/** The q-quantile of `values` (linear interpolation between closest ranks). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** One lane's result in one throughput scenario. */
export interface LaneSummary {
  median: number;
  q1: number;
  q3: number;
  pulls: number;
  pushes: number;
  /** docs/s per repetition, in repetition order (for paired ratios). */
  samples: number[];
  /** Median login duration, for lanes that log in apart from the clock. */
  loginMs: number | null;
}

/** docs/s per repetition, their median and inter-quartile range, and the median request counts. */
export function summarise(docs: number, timings: readonly Timing[]): LaneSummary {
  const samples = timings.map((t) => (docs / t.ms) * 1000);
  return {
    median: quantile(samples, 0.5),
    q1: quantile(samples, 0.25),
    q3: quantile(samples, 0.75),
    pulls: quantile(timings.map((t) => t.pulls), 0.5),
    pushes: quantile(timings.map((t) => t.pushes), 0.5),
    samples,
    loginMs: timings.length > 0 && timings.every((t) => t.loginMs !== undefined) ? quantile(timings.map((t) => t.loginMs!), 0.5) : null,
  };
}

/**
 * a/b throughput within each repetition (the lanes of one repetition ran back to back, so slow
 * phases of the shared machine hit both), then the median and range of those ratios.
 */
export function pairedRatio(a: LaneSummary, b: LaneSummary): { median: number; min: number; max: number } {
  const ratios = a.samples.map((value, i) => value / b.samples[i]!);
  return { median: quantile(ratios, 0.5), min: Math.min(...ratios), max: Math.max(...ratios) };
}
