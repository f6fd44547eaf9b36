// The run's markdown report: machine, configuration, one table per scenario and the ratios.
import os from 'node:os';
import type { BenchConfig } from './config.ts';
import type { Lane } from './lane.ts';
import { pairedRatio, type LaneSummary } from './summary.ts';

/** What one scenario measured, lane by lane (same order as the lanes). */
export interface ScenarioResult { title: string; summaries: LaneSummary[] }

/** Node, CPU and load: the context the numbers need. */
export function machineInfo(loadAtStart: number[]) {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    nproc: os.availableParallelism(),
    loadAverage: loadAtStart.map((l) => Number(l.toFixed(2))),
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const ratioPairs = [['L4', 'L2'], ['L3', 'L2'], ['L2', 'L1']] as const;

/** The markdown printed to stdout. */
export function markdownReport(config: BenchConfig, machine: ReturnType<typeof machineInfo>, lanes: Lane[], results: ScenarioResult[]): string {
  const lines = [
    `node ${machine.node}, ${machine.cpu}, nproc ${machine.nproc}, load average at start ${machine.loadAverage.join(' / ')} (1/5/15 min)`,
    `${config.repetitions} repetitions after 1 warm-up, lanes interleaved (${lanes.map((l) => l.id).join(' ')}, order rotated each repetition); ` +
      `pull batch ${int(config.batch.pull)}, push batch ${int(config.batch.push)} in every lane; deterministic documents (no random seed); ` +
      'reference server (PGlite in memory) in its own process over loopback; RxDB memory storage',
  ];
  for (const { title, summaries } of results) {
    lines.push('', `### ${title}`, '', '| lane | median docs/s | IQR docs/s | pulls | pushes |', '|---|---:|---:|---:|---:|');
    summaries.forEach((s, i) => lines.push(`| ${lanes[i]!.id} ${lanes[i]!.label} | ${int(s.median)} | ${int(s.q1)}–${int(s.q3)} | ${s.pulls} | ${s.pushes} |`));
    const byId = new Map(lanes.map((lane, i) => [lane.id, summaries[i]!]));
    const ratios = ratioPairs.map(([a, b]) => {
      const r = pairedRatio(byId.get(a)!, byId.get(b)!);
      return `${a}/${b} **${r.median.toFixed(2)}** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
    });
    lines.push('', `Throughput ratios, median of per-repetition ratios (min–max): ${ratios.join(', ')}`);
    const logins = summaries.flatMap((s, i) => (s.loginMs === null ? [] : [`${lanes[i]!.id} ${s.loginMs.toFixed(1)} ms`]));
    if (logins.length > 0) lines.push('', `Login before the clock (login() → session active, median): ${logins.join(', ')}`);
  }
  return lines.join('\n');
}
