import type { CheckGroup, CheckStatus, ConformanceReport } from './types.ts';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };
const GROUPS: readonly CheckGroup[] = ['pull', 'push', 'ownership', 'auth', 'stream'];

/**
 * The report as plain text: one line per check (PASS / FAIL / SKIP, its id, why), grouped, then a
 * summary line. Holds no token: the reasons were redacted when the report was made.
 *
 * @example
 * ```ts
 * console.log(formatReport(await checkServer(options)));
 * // pull
 * //   PASS  pull.order        3 documents from 3 pushes came in (updatedAt, id) order
 * // …
 * // 13 passed, 0 failed, 2 skipped
 * ```
 */
export function formatReport(report: ConformanceReport): string {
  const width = Math.max(...report.checks.map((check) => check.id.length));
  const lines = [
    'session-sync server conformance check',
    `  server      ${report.target.graphqlUrl}${report.target.wsUrl ? ` (stream ${report.target.wsUrl})` : ' (no stream URL)'}`,
    `  collection  ${report.target.collection}`,
    `  documents   written with ids prefixed ${report.idPrefix}, soft-deleted at the end`,
  ];
  for (const group of GROUPS) {
    const checks = report.checks.filter((check) => check.group === group);
    if (checks.length === 0) continue;
    lines.push('', group);
    for (const check of checks) lines.push(`  ${LABEL[check.status]}  ${check.id.padEnd(width)}  ${check.reason}`);
  }
  const { passed, failed, skipped } = report.summary;
  lines.push(
    '',
    `cleanup: ${report.cleanup.reason}`,
    `${passed} passed, ${failed} failed, ${skipped} skipped (${(report.durationMs / 1000).toFixed(1)} s): ${report.ok ? 'the server keeps the wire contract' : 'the server breaks the wire contract'}`,
  );
  return lines.join('\n');
}
