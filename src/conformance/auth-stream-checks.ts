import { classifyFailure, type ClassifiedFailure } from '../errors/classify-failure.ts';
import type { PullBulk } from '../sync/graphql-operations.ts';
import type { CheckSpec, RunContext, Who } from './run-context.ts';
import { asBulk, CheckFailed, clip, errorSummary, openStream, postGraphQL, within, type StreamConnection, type StreamEnd } from './wire.ts';

const ATTEMPT_MS = 1000;

/**
 * A token the server must refuse: for a JWT, user A's own with `exp` an hour ago (so its signature no
 * longer matches); for an opaque token, user A's with a suffix.
 */
export function invalidTokenFrom(token: string): string {
  const parts = token.split('.');
  if (parts.length === 3) {
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(JSON.stringify({ ...claims, iat: now - 7200, exp: now - 3600 })).toString('base64url');
      return `${parts[0]}.${payload}.${parts[2]}`;
    } catch {
      // Not a JWT after all.
    }
  }
  return `${token}-conformance-invalid`;
}

function httpCheck(id: string, title: string, which: 'invalid' | 'expired'): CheckSpec {
  return {
    id,
    group: 'auth',
    title,
    needs: which === 'expired' ? ['expiredToken'] : [],
    async run(run) {
      const token = which === 'expired' ? run.expiredToken! : invalidTokenFrom(run.token('A'));
      const what = which === 'expired' ? 'an expired access token' : 'an invalid access token';
      const { pull } = run.ops;
      const answer = await postGraphQL(run.wire, token, pull.query, pull.variables(null, 1));
      const failure = classifyFailure({ status: answer.status, headers: answer.headers, body: answer.text }, 'data');
      const shape = `HTTP ${answer.status}${failure.serverCode ? ` ${failure.serverCode}` : ''}`;
      if (failure.kind === 'accessRejected') return `${what} on HTTP is answered with ${shape}: the client refreshes and replays`;
      if (answer.status === 200 && failure.kind === 'protocol') throw new CheckFailed(`${what} was accepted: HTTP 200 with data (${clip(answer.text, 80)})`);
      throw new CheckFailed(
        `${what} was answered with ${shape} (${clip(answer.text, 80)}), which the client classifies as ${failure.kind}, not accessRejected: answer HTTP 401, or HTTP 200 with errors[].extensions.code "UNAUTHENTICATED"`,
      );
    },
  };
}

function classifyEnd(end: StreamEnd): ClassifiedFailure | null {
  if (end.kind === 'closed') return classifyFailure({ wsCloseCode: end.code }, 'data');
  if (end.kind === 'errors') return classifyFailure({ status: 200, body: { errors: end.errors } }, 'data');
  return null;
}

function describeEnd(end: StreamEnd | 'open'): string {
  if (end === 'open') return 'the socket stayed open';
  if (end.kind === 'closed') return `close ${end.code}${end.reason ? ` "${clip(end.reason, 60)}"` : ''}`;
  if (end.kind === 'errors') return `subscription errors: ${errorSummary(end.errors)}`;
  if (end.kind === 'completed') return 'the subscription completed';
  return clip(end.message, 100);
}

function socketCheck(id: string, title: string, which: 'invalid' | 'expired'): CheckSpec {
  return {
    id,
    group: 'auth',
    title,
    needs: which === 'expired' ? ['ws', 'expiredToken'] : ['ws'],
    async run(run) {
      const token = which === 'expired' ? run.expiredToken! : invalidTokenFrom(run.token('A'));
      const what = which === 'expired' ? 'an expired access token' : 'an invalid access token';
      const stream = openStream(run.wire, token, run.ops.stream!.query);
      try {
        const end = await within(stream.ended, run.wire.timeoutMs, 'open' as const);
        const failure = end === 'open' ? null : classifyEnd(end);
        if (failure?.kind === 'accessRejected') return `${what} in connectionParams is answered with ${describeEnd(end)}: the client refreshes and reconnects`;
        const data = stream.received.length > 0 ? ' and sent data' : '';
        throw new CheckFailed(
          `${what} in connectionParams got ${describeEnd(end)}${data}${failure ? `, which the client classifies as ${failure.kind}` : ''}: close the socket with 4401 (or 4403)`,
        );
      } finally {
        await stream.close();
      }
    },
  };
}

/** auth.*: an expired or invalid token on HTTP and on the socket, in the shape the client's classifier reads as `accessRejected`. */
export const authChecks: CheckSpec[] = [
  httpCheck('auth.http.invalid', 'an invalid token on HTTP is rejected as expired', 'invalid'),
  httpCheck('auth.http.expired', 'an expired token on HTTP is rejected as expired', 'expired'),
  socketCheck('auth.ws.invalid', 'an invalid token on the socket is rejected as expired', 'invalid'),
  socketCheck('auth.ws.expired', 'an expired token on the socket is rejected as expired', 'expired'),
];

/** The stream's page in `data`, or null when it holds none of `id`. */
function pageWith(run: RunContext, data: Record<string, unknown>, id: string): PullBulk | null {
  const value = run.ops.stream!.data(data);
  if (!value || !Array.isArray((value as PullBulk).documents)) return null;
  return (value as PullBulk).documents.some((doc) => doc['id'] === id) ? asBulk(value, `stream${run.type}`) : null;
}

/** Connects as `who`, failing with what the socket said if the connection is not acknowledged. */
async function connect(run: RunContext, who: Who): Promise<StreamConnection> {
  const stream = openStream(run.wire, run.token(who), run.ops.stream!.query);
  const outcome = await within(Promise.race([stream.connected.then(() => 'connected' as const), stream.ended]), run.wire.timeoutMs, 'open' as const);
  if (outcome === 'connected') return stream;
  await stream.close();
  throw new CheckFailed(`the stream did not accept user ${who}'s valid token: ${outcome === 'open' ? 'no connection_ack' : describeEnd(outcome)}`);
}

/**
 * Pushes new documents `<name>-1`, `<name>-2`, … as `who` until one arrives on `stream` (a
 * subscription is live a moment after its connection is acknowledged); the page, or a failure.
 */
async function pushUntilStreamed(run: RunContext, stream: StreamConnection, who: Who, name: string, n: number): Promise<{ page: PullBulk; id: string; ms: number }> {
  const started = Date.now();
  for (let attempt = 1; Date.now() - started < run.wire.timeoutMs; attempt++) {
    const id = run.id(`${name}-${attempt}`);
    await run.pushClean(who, [{ newDocumentState: run.doc(id, n + attempt) }], `document ${id}`);
    const data = await stream.waitFor((d) => pageWith(run, d, id) !== null, ATTEMPT_MS);
    if (data) return { page: pageWith(run, data, id)!, id, ms: Date.now() - started };
  }
  const end = await within(stream.ended, 0, 'open' as const);
  const errors = stream.errors.length > 0 ? `; it sent errors: ${errorSummary(stream.errors)}` : '';
  throw new CheckFailed(`documents pushed over HTTP never arrived on the stream within ${run.wire.timeoutMs} ms (${describeEnd(end)}${errors})`);
}

function assertPage(run: RunContext, page: PullBulk, id: string): void {
  const checkpoint = page.checkpoint as Record<string, unknown> | null;
  if (!checkpoint || typeof checkpoint !== 'object') throw new CheckFailed(`the stream page holding ${id} has checkpoint ${JSON.stringify(page.checkpoint)}, not { id, updatedAt }`);
  const doc = page.documents.find((d) => d['id'] === id)!;
  if (typeof doc['updatedAt'] !== 'number') throw new CheckFailed(`the streamed document ${id} has updatedAt ${JSON.stringify(doc['updatedAt'])}`);
}

/** stream.*: changes arrive as `{ documents, checkpoint }`; after a reconnect nothing is missed; the stream is private. */
export const streamChecks: CheckSpec[] = [
  {
    id: 'stream.delivery',
    group: 'stream',
    title: 'a change arrives on the stream as { documents, checkpoint }',
    needs: ['ws'],
    async run(run) {
      const stream = await connect(run, 'A');
      try {
        const { page, id, ms } = await pushUntilStreamed(run, stream, 'A', 'stream', 100);
        assertPage(run, page, id);
        return `a document pushed over HTTP arrived on the stream as { documents, checkpoint } (${ms} ms)`;
      } finally {
        await stream.close();
      }
    },
  },
  {
    id: 'stream.resync',
    group: 'stream',
    title: 'after a reconnect nothing is missed',
    needs: ['ws'],
    async run(run) {
      const first = await connect(run, 'A');
      let page: PullBulk;
      try {
        page = (await pushUntilStreamed(run, first, 'A', 'resync-before', 200)).page;
      } finally {
        await first.close();
      }
      const missed = run.id('resync-missed');
      await run.pushClean('A', [{ newDocumentState: run.doc(missed, 300) }], `document ${missed} (pushed while disconnected)`);
      const second = await connect(run, 'A');
      try {
        // What the client does on every (re)connect (its RESYNC): pull from the last checkpoint it has.
        const { documents } = await run.pullToEnd('A', page.checkpoint);
        if (!documents.some((doc) => doc['id'] === missed)) {
          throw new CheckFailed(`a pull from the stream's last checkpoint (${clip(JSON.stringify(page.checkpoint), 80)}) after the reconnect did not return ${missed}, written while disconnected`);
        }
        try {
          await pushUntilStreamed(run, second, 'A', 'resync-after', 400);
        } catch (error) {
          if (!(error instanceof CheckFailed)) throw error;
          throw new CheckFailed(`after a reconnect the stream stayed silent: ${error.message}`);
        }
        return "after a reconnect, a pull from the stream's last checkpoint returned the change made while disconnected, and the new stream delivered the next change";
      } finally {
        await second.close();
      }
    },
  },
  {
    id: 'ownership.stream',
    group: 'ownership',
    title: "another user's stream never carries a user's change",
    needs: ['ws', 'userB'],
    async run(run) {
      const other = await connect(run, 'B');
      try {
        const own = await connect(run, 'A');
        try {
          const { id } = await pushUntilStreamed(run, own, 'A', 'private', 500);
          const extra = run.id('private-last');
          await run.pushClean('A', [{ newDocumentState: run.doc(extra, 600) }], `document ${extra}`);
          await own.waitFor((d) => pageWith(run, d, extra) !== null, run.wire.timeoutMs);
          await new Promise((resolve) => setTimeout(resolve, 200));
          const leaked = other.received.find((d) => pageWith(run, d, id) !== null || pageWith(run, d, extra) !== null);
          if (leaked) throw new CheckFailed(`user B's stream carried user A's document ${id}`);
          return "user A's changes reached A's stream and never B's";
        } finally {
          await own.close();
        }
      } finally {
        await other.close();
      }
    },
  },
];
