import { randomBytes } from 'node:crypto';
import { redactSecrets } from '../platform/redact.ts';
import type { ServerDocument } from '../sync/graphql-operations.ts';
import { authChecks, invalidTokenFrom, streamChecks } from './auth-stream-checks.ts';
import { ownershipChecks, pullChecks, pushChecks } from './data-checks.ts';
import { RunContext, type CheckSpec, type Who } from './run-context.ts';
import type { CheckResult, CheckServerOptions, ConformanceFieldKind, ConformanceReport, TokenProvider } from './types.ts';
import { CheckFailed, CheckSkipped, describeError, errorSummary, NoAnswer } from './wire.ts';

/** The todo schema's fields, the default of {@link CheckServerOptions.fields}. */
export const TODO_FIELDS: Readonly<Record<string, ConformanceFieldKind>> = Object.freeze({ title: 'string', done: 'boolean' });

/** Every check, in the order {@link checkServer} runs them. */
const CONFORMANCE_CHECKS: readonly CheckSpec[] = [
  ...pullChecks,
  ...pushChecks,
  ...ownershipChecks,
  ...streamChecks.filter((check) => check.group === 'ownership'),
  ...authChecks,
  ...streamChecks.filter((check) => check.group === 'stream'),
];

const WHY_NOT: Record<'userB' | 'ws' | 'expiredToken', string> = {
  userB: 'needs a second user (--user-b/--password-b or --token-b)',
  ws: 'needs the stream URL (--ws)',
  expiredToken: 'needs an access token the server has let expire (--expired-token)',
};

/**
 * Runs the wire contract (docs/wire-protocol.md) against a server: pull order and ties across page
 * boundaries, the checkpoint, conflicts answered with the master state, an identical re-push applied
 * once, per-document refusals, ownership, the shape of an expired token on HTTP and on the socket,
 * and the live stream across a reconnect. Writes documents with ids prefixed `conformance-<runId>-`
 * as user A (and B) and soft-deletes them at the end. Never puts a token in the report.
 *
 * Rejects only when a user's token cannot be obtained or the GraphQL endpoint does not answer at all;
 * everything else is a check's result.
 *
 * @example
 * ```ts
 * const report = await checkServer({ graphqlUrl, wsUrl, userA: tokenA, userB: tokenB });
 * console.log(formatReport(report));
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 */
export async function checkServer(options: CheckServerOptions): Promise<ConformanceReport> {
  const started = Date.now();
  const collection = options.collection ?? 'todo';
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const idPrefix = `conformance-${runId}-`;
  const tokenA = await resolveToken(options.userA, 'user A');
  const tokenB = options.userB === undefined ? undefined : await resolveToken(options.userB, 'user B');
  const secrets = [tokenA, invalidTokenFrom(tokenA), ...(tokenB ? [tokenB] : []), ...(options.expiredToken ? [options.expiredToken] : []), ...(options.secrets ?? [])];
  const redact = (text: string) => redactSecrets(text, secrets);

  const run = new RunContext({
    wire: {
      graphqlUrl: options.graphqlUrl,
      wsUrl: options.wsUrl,
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.timeoutMs ?? 10_000,
      webSocketImpl: options.webSocketImpl,
    },
    collection,
    fields: options.fields ?? TODO_FIELDS,
    tokens: { A: tokenA, B: tokenB },
    expiredToken: options.expiredToken,
    idPrefix,
  });
  // Every check reads from where the users' documents ended when the run began.
  for (const who of ['A', 'B'] as const) {
    if (run.tokens[who] === undefined) continue;
    try {
      run.start[who] = (await run.pullToEnd(who, null)).last;
    } catch (error) {
      // A server that does not answer at all fails nothing in particular: the run cannot start.
      if (error instanceof NoAnswer) throw new Error(redact(error.message));
      // Any other answer is for the checks to report.
    }
  }

  const have = { userB: tokenB !== undefined, ws: Boolean(options.wsUrl), expiredToken: Boolean(options.expiredToken) };
  const checks: CheckResult[] = [];
  for (const spec of CONFORMANCE_CHECKS) {
    const begun = Date.now();
    const result = (status: CheckResult['status'], reason: string): CheckResult =>
      ({ id: spec.id, group: spec.group, title: spec.title, status, reason: redact(reason), durationMs: Date.now() - begun });
    const missing = (spec.needs ?? []).filter((need) => !have[need]);
    if (missing.length > 0) {
      checks.push(result('skip', missing.map((need) => WHY_NOT[need]).join('; ')));
      continue;
    }
    try {
      checks.push(result('pass', await spec.run(run)));
    } catch (error) {
      if (error instanceof CheckSkipped) checks.push(result('skip', error.message));
      else if (error instanceof CheckFailed) checks.push(result('fail', error.message));
      else checks.push(result('fail', `the check itself failed: ${describeError(error)}`));
    }
  }

  const cleanup = await softDelete(run);
  const summary = {
    passed: checks.filter((c) => c.status === 'pass').length,
    failed: checks.filter((c) => c.status === 'fail').length,
    skipped: checks.filter((c) => c.status === 'skip').length,
  };
  return {
    ok: summary.failed === 0,
    target: { graphqlUrl: options.graphqlUrl, ...(options.wsUrl ? { wsUrl: options.wsUrl } : {}), collection },
    runId,
    idPrefix,
    checks,
    summary,
    cleanup: { status: cleanup.status, reason: redact(cleanup.reason) },
    durationMs: Date.now() - started,
  };
}

async function resolveToken(provider: TokenProvider, who: string): Promise<string> {
  let token: string;
  try {
    token = typeof provider === 'function' ? await provider() : provider;
  } catch (error) {
    throw new Error(`could not get ${who}'s access token: ${redactSecrets(describeError(error))}`);
  }
  if (typeof token !== 'string' || token === '') throw new Error(`${who}'s access token is empty`);
  return token;
}

/** Soft-deletes (`deleted: true`) every document the run wrote that the server still holds live. */
async function softDelete(run: RunContext): Promise<{ status: 'done' | 'partial' | 'nothing'; reason: string }> {
  let deleted = 0;
  const problems: string[] = [];
  for (const who of ['A', 'B'] as Who[]) {
    const ids = [...run.written[who]];
    if (ids.length === 0) continue;
    try {
      const latest = await run.latest(who, ids);
      const live = [...latest.values()].filter((doc) => doc['deleted'] !== true && String(doc['id']).startsWith(run.idPrefix));
      if (live.length === 0) continue;
      const rows = live.map((doc): { assumedMasterState: ServerDocument; newDocumentState: ServerDocument } => ({ assumedMasterState: doc, newDocumentState: { ...doc, deleted: true } }));
      const { conflicts, errors } = await run.push(who, rows);
      const failed = conflicts === null ? rows.length : conflicts.length;
      deleted += rows.length - failed;
      if (failed > 0 || errors.length > 0) problems.push(`user ${who}: ${failed} not deleted${errors.length ? ` (${errorSummary(errors)})` : ''}`);
    } catch (error) {
      problems.push(`user ${who}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) return { status: 'partial', reason: `${deleted} document(s) soft-deleted; ${problems.join('; ')}` };
  if (deleted === 0) return { status: 'nothing', reason: 'no live documents of this run were left to delete' };
  return { status: 'done', reason: `${deleted} document(s) of this run soft-deleted` };
}
