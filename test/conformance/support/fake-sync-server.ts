// A small in-memory server of the wire contract (docs/wire-protocol.md) for the `todo` collection,
// whose faults each break one contract point: the test doubles the conformance check must catch.
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, GraphQLError, parse, subscribe } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { bulkStream } from '../../../examples/server/graphql/bulk-stream.ts';

/** One broken contract point each. */
export type Fault =
  /** Each page comes newest first (the checkpoint is still the latest document's). */
  | 'pullOrder'
  /** The checkpoint compares updatedAt alone: ties after a page boundary are skipped. */
  | 'pullTies'
  /** The checkpoint is the page's first document's, not its last. */
  | 'pullCheckpoint'
  /** An empty page comes with a made-up checkpoint from the start. */
  | 'pullEmptyCheckpoint'
  /** A checkpoint of a document the server does not hold (a restore from an older backup) is answered from after it, as if known. */
  | 'pullUnknownCheckpoint'
  /** A conflict is answered with the stale state the client assumed, not the master state. */
  | 'conflictWithoutMaster'
  /** An identical re-push writes a second revision. */
  | 'repushAppliedTwice'
  /** An unstorable document fails the whole batch (data null, no documentId). */
  | 'refusalFailsBatch'
  /** Pulls ignore the owner: every user reads everyone's documents. */
  | 'pullIgnoresOwner'
  /** Ids are global: a second user's push of an id is answered with the first user's document. */
  | 'globalIds'
  /** A bad token on HTTP gets 403 FORBIDDEN. */
  | 'httpAuthShape'
  /** A bad token on the socket gets close 1011. */
  | 'socketAuthShape'
  /** A user's sockets after their first (every reconnect) never receive a change. */
  | 'silentAfterReconnect'
  /**
   * The stream's checkpoint is the server's clock a minute ahead, not the last document's, and pull
   * does not check checkpoints (as `pullUnknownCheckpoint`): a pull from it after a reconnect misses
   * what changed meanwhile. (A server that answers an unknown checkpoint from before it makes the
   * client start over instead, and misses nothing.)
   */
  | 'streamCheckpointAhead'
  /** The stream carries every user's changes to every user. */
  | 'streamToEveryone';

export interface FakeSyncServer {
  graphqlUrl: string;
  wsUrl: string;
  /** A token of a new user. */
  token(user: string): string;
  /** An expired token of a user (the server answers it like any refused token). */
  expiredToken(user: string): string;
  /** Every stored document of a user, newest version of each. */
  documents(user: string): Doc[];
  close(): Promise<void>;
}

type Doc = { id: string; title: string; done: boolean; updatedAt: number; deleted: boolean };
type Input = Omit<Doc, 'updatedAt'> & { updatedAt?: number | null };
type Stored = Doc & { owner: string };
type Checkpoint = { id: string; updatedAt: number };

const SDL = `
type Todo { id: String! title: String! done: Boolean! updatedAt: Float! deleted: Boolean! }
input TodoInput { id: String! title: String! done: Boolean! updatedAt: Float deleted: Boolean! }
type TodoCheckpoint { id: String! updatedAt: Float! }
input TodoCheckpointInput { id: String! updatedAt: Float! }
type TodoPullBulk { documents: [Todo!]! checkpoint: TodoCheckpoint }
input TodoPushRow { assumedMasterState: TodoInput newDocumentState: TodoInput! }
type Query { pullTodo(checkpoint: TodoCheckpointInput, limit: Int!): TodoPullBulk! }
type Mutation { pushTodo(rows: [TodoPushRow!]!): [Todo!]! }
type Subscription { streamTodo: TodoPullBulk! }`;

// graphql-ws checks refusals with the graphql it loads itself (see the reference server's stream-socket-server.ts).
const { GraphQLError: GraphQLWsError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const START: Checkpoint = { id: '', updatedAt: 0 };
const before = (doc: Doc, cp: Checkpoint): boolean => doc.updatedAt < cp.updatedAt || (doc.updatedAt === cp.updatedAt && doc.id < cp.id);
const after = (doc: Doc, cp: Checkpoint | null): boolean => !cp || doc.updatedAt > cp.updatedAt || (doc.updatedAt === cp.updatedAt && doc.id > cp.id);
const byPullOrder = (a: Doc, b: Doc): number => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const sameContent = (a: Input | Doc, b: Input | Doc): boolean => a.title === b.title && a.done === b.done && a.deleted === b.deleted;
const unstorable = (id: string): boolean => /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(id);
const wire = ({ id, title, done, updatedAt, deleted }: Doc): Doc => ({ id, title, done, updatedAt, deleted });

/** Starts the fake on 127.0.0.1, with the given faults (none: it keeps the whole contract). */
export async function startFakeSyncServer(faults: readonly Fault[] = []): Promise<FakeSyncServer> {
  const has = (fault: Fault) => faults.includes(fault);
  const tokens = new Map<string, string>();
  const expired = new Set<string>();
  const store = new Map<string, Stored>();
  const sockets = new Map<string, number>();
  const listeners = new Set<{ owner: string; deliver: (bulk: { documents: Doc[]; checkpoint: Checkpoint }) => void; silent: boolean }>();
  let clock = 1_700_000_000_000;
  const keyOf = (owner: string, id: string) => (has('globalIds') ? id : `${owner}\u0000${id}`);

  const checksCheckpoints = !has('pullUnknownCheckpoint') && !has('streamCheckpointAhead');
  const pull = (owner: string, cp: Checkpoint | null, limit: number): { documents: Doc[]; checkpoint: Checkpoint | null } => {
    const mine = [...store.values()].filter((doc) => has('pullIgnoresOwner') || doc.owner === owner).sort(byPullOrder);
    // Known: the checkpoint's document is held at or after it. An unknown one is answered from before it.
    const known = !cp || (cp.id === START.id && cp.updatedAt === START.updatedAt) || mine.some((doc) => doc.id === cp.id && doc.updatedAt >= cp.updatedAt);
    if (checksCheckpoints && !known) {
      const fromStart = pull(owner, null, limit);
      return fromStart.documents[0] && before(fromStart.documents[0], cp!) ? fromStart : { documents: [], checkpoint: START };
    }
    const page = mine.filter((doc) => (has('pullTies') && cp ? doc.updatedAt > cp.updatedAt : after(doc, cp))).slice(0, limit).map(wire);
    if (page.length === 0) return { documents: [], checkpoint: has('pullEmptyCheckpoint') ? { id: '', updatedAt: 0 } : cp };
    const point = has('pullCheckpoint') ? page[0]! : page.at(-1)!;
    return { documents: has('pullOrder') ? [...page].reverse() : page, checkpoint: { id: point.id, updatedAt: point.updatedAt } };
  };

  const push = (owner: string, rows: { assumedMasterState?: Input | null; newDocumentState: Input }[], refusals: GraphQLError[]) => {
    const updatedAt = (clock += 1);
    const conflicts: Doc[] = [];
    const written: Doc[] = [];
    for (const row of rows) {
      const next = row.newDocumentState;
      if (unstorable(next.id)) {
        if (has('refusalFailsBatch')) throw new GraphQLError('invalid byte sequence for encoding "UTF8"');
        refusals.push(new GraphQLError(`id contains a lone UTF-16 surrogate`, { path: ['pushTodo'], extensions: { code: 'BAD_USER_INPUT', documentId: next.id } }));
        continue;
      }
      const master = store.get(keyOf(owner, next.id));
      const write = () => {
        const doc: Stored = { id: next.id, title: next.title, done: next.done, deleted: next.deleted, updatedAt, owner };
        store.set(keyOf(owner, next.id), doc);
        written.push(wire(doc));
      };
      if (!master) write();
      else if (sameContent(master, next)) {
        if (has('repushAppliedTwice')) write();
      } else if (row.assumedMasterState && sameContent(master, row.assumedMasterState)) write();
      else conflicts.push(has('conflictWithoutMaster') && row.assumedMasterState ? { ...row.assumedMasterState, updatedAt: master.updatedAt } : wire(master));
    }
    if (written.length > 0) {
      const checkpoint = { id: written.at(-1)!.id, updatedAt: has('streamCheckpointAhead') ? updatedAt + 60_000 : updatedAt };
      for (const listener of listeners) {
        if (listener.silent || (listener.owner !== owner && !has('streamToEveryone'))) continue;
        listener.deliver({ documents: written, checkpoint });
      }
    }
    return conflicts;
  };

  type Ctx = { owner: string; refusals: GraphQLError[]; silent: boolean };
  const rootValue = {
    pullTodo: (args: { checkpoint?: Checkpoint | null; limit: number }, ctx: Ctx) => pull(ctx.owner, args.checkpoint ?? null, args.limit),
    pushTodo: (args: { rows: { assumedMasterState?: Input | null; newDocumentState: Input }[] }, ctx: Ctx) => push(ctx.owner, args.rows, ctx.refusals),
    streamTodo: (_args: unknown, ctx: Ctx) =>
      bulkStream((deliver: (value: unknown) => void) => {
        const listener = { owner: ctx.owner, silent: ctx.silent, deliver: (bulk: unknown) => deliver({ streamTodo: bulk }) };
        listeners.add(listener);
        return () => listeners.delete(listener);
      }),
  };
  const schema = buildSchema(SDL);

  const ownerOf = (token: string | undefined): string | null => (token !== undefined && !expired.has(token) ? tokens.get(token) ?? null : null);
  const bearer = (req: IncomingMessage): string | undefined => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];

  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const owner = ownerOf(bearer(req));
        if (!owner) {
          if (has('httpAuthShape')) return send(403, { errors: [{ message: 'jwt expired', extensions: { code: 'FORBIDDEN' } }] });
          return send(401, { errors: [{ message: 'access token rejected', extensions: { code: 'UNAUTHENTICATED' } }] });
        }
        const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
        const ctx: Ctx = { owner, refusals: [], silent: false };
        const result = await execute({ schema, document: parse(query), rootValue, contextValue: ctx, variableValues: variables ?? null });
        const errors = [...(result.errors ?? []), ...ctx.refusals];
        send(200, { data: result.data ?? null, ...(errors.length > 0 ? { errors } : {}) });
      })();
    });
  });
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  const socketOwners = new WeakMap<WebSocket, { owner: string; silent: boolean }>();
  useServer<Record<string, unknown>, { socket: WebSocket }>({
    schema,
    execute,
    subscribe,
    roots: { subscription: rootValue as never },
    onConnect: (ctx) => {
      const header = ctx.connectionParams?.['authorization'];
      const owner = ownerOf(typeof header === 'string' ? /^Bearer (.+)$/.exec(header)?.[1] : undefined);
      if (!owner) {
        ctx.extra.socket.close(has('socketAuthShape') ? 1011 : 4401, 'access token rejected');
        return false;
      }
      const count = (sockets.get(owner) ?? 0) + 1;
      sockets.set(owner, count);
      socketOwners.set(ctx.extra.socket, { owner, silent: has('silentAfterReconnect') && count > 1 });
      return true;
    },
    onSubscribe: (_ctx, _id, payload) => {
      try {
        return { schema, document: parse(payload.query) };
      } catch (error) {
        return [new GraphQLWsError(String(error))];
      }
    },
    context: (ctx): Ctx => ({ ...socketOwners.get(ctx.extra.socket)!, refusals: [] }),
  }, wss);

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  let users = 0;
  return {
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    token(user) {
      const token = `fake-token-${user}-${++users}`;
      tokens.set(token, user);
      return token;
    },
    expiredToken(user) {
      const token = `fake-expired-${user}-${++users}`;
      tokens.set(token, user);
      expired.add(token);
      return token;
    },
    documents: (user) => [...store.values()].filter((doc) => doc.owner === user).map(wire),
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
