import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, parse } from 'graphql';
import { schemaSdl } from '../../../examples/server/graphql/schema-sdl.ts';
import { DEFAULT_COLLECTIONS } from '../../../examples/server/sync/collections.ts';

/**
 * How a push with a poison row fails, naming no document:
 * - `http500`: HTTP 500 with a message and no code (a server whose database threw);
 * - `internalError200`: HTTP 200, `data: null`, `errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }]`.
 * Whatever the mode, a row whose fields do not coerce to the schema (e.g. `done: "yes"`) fails the whole
 * operation with HTTP 400 `BAD_USER_INPUT`, as GraphQL variable coercion does.
 */
export type WholeBatchFailure = 'http500' | 'internalError200';

interface Todo { id: string; title: string; done: boolean; updatedAt: number; deleted: boolean }
interface Row { assumedMasterState?: Omit<Todo, 'updatedAt'> | null; newDocumentState: Omit<Todo, 'updatedAt'> }

/** A server of the todo contract, in memory, whose push fails as a whole over one poison row. */
export interface WholeBatchFailingServer {
  graphqlUrl: string;
  /** Per document id: how many accepted pushes carried it (a resend of the same content included). */
  readonly accepted: Map<string, number>;
  /** Push requests: accepted, failed, and the rows of each in order. */
  readonly pushes: { accepted: number; failed: number; sizes: number[] };
  documents(): Todo[];
  close(): Promise<void>;
}

const SCHEMA = buildSchema(schemaSdl(DEFAULT_COLLECTIONS));
// What PostgreSQL refuses in text and jsonb.
const POISON = '\u0000';

/**
 * Starts the server on 127.0.0.1; every request must carry `Bearer <token>`. With `failFirstPushes`
 * it is broken for writes at first: that many pushes fail, poison or not.
 *
 * @example
 * const server = await startWholeBatchFailingServer('http500', 'token');
 * await todo.insert({ id: 'p', title: `bad ${POISON_TITLE}`, done: false }); // fails every push that carries it
 */
export async function startWholeBatchFailingServer(
  mode: WholeBatchFailure, token: string, opts: { failFirstPushes?: number } = {},
): Promise<WholeBatchFailingServer> {
  const store = new Map<string, Todo>();
  const accepted = new Map<string, number>();
  const pushes = { accepted: 0, failed: 0, sizes: [] as number[] };
  let brokenFor = opts.failFirstPushes ?? 0;
  let clock = 0;
  const sorted = (): Todo[] => [...store.values()].sort((a, b) => a.updatedAt - b.updatedAt || a.id.localeCompare(b.id));
  const same = (a: Omit<Todo, 'updatedAt'>, b: Omit<Todo, 'updatedAt'>): boolean => a.title === b.title && a.done === b.done && a.deleted === b.deleted;

  const rootValue = {
    pullTodo({ checkpoint, limit }: { checkpoint?: { id: string; updatedAt: number } | null; limit: number }) {
      const after = checkpoint ?? { id: '', updatedAt: -1 };
      const documents = sorted().filter((d) => d.updatedAt > after.updatedAt || (d.updatedAt === after.updatedAt && d.id > after.id)).slice(0, limit);
      const last = documents.at(-1);
      return { documents, checkpoint: last ? { id: last.id, updatedAt: last.updatedAt } : checkpoint ?? null };
    },
    pushTodo({ rows }: { rows: Row[] }) {
      if (brokenFor > 0) {
        brokenFor -= 1;
        throw new DatabaseError('could not extend file: No space left on device');
      }
      const poison = rows.find((row) => row.newDocumentState.title.includes(POISON));
      // A transaction: one row the database refuses, and nothing of the batch is written.
      if (poison) throw new DatabaseError('invalid byte sequence for encoding "UTF8": 0x00');
      const conflicts: Todo[] = [];
      const updatedAt = ++clock;
      for (const row of rows) {
        const doc = row.newDocumentState;
        const master = store.get(doc.id);
        accepted.set(doc.id, (accepted.get(doc.id) ?? 0) + 1);
        if (master && same(master, doc)) continue;
        if (master && !(row.assumedMasterState && same(master, row.assumedMasterState))) {
          conflicts.push(master);
          continue;
        }
        store.set(doc.id, { id: doc.id, title: doc.title, done: doc.done, deleted: doc.deleted, updatedAt });
      }
      return conflicts;
    },
  };

  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(401, { errors: [{ message: 'not authenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const isPush = String(query).includes('pushTodo');
    const result = await execute({ schema: SCHEMA, document: parse(query), rootValue, variableValues: variables });
    const count = (ok: boolean): void => {
      if (!isPush) return;
      pushes[ok ? 'accepted' : 'failed'] += 1;
      pushes.sizes.push(Array.isArray(variables?.rows) ? variables.rows.length : 0);
    };
    if (!result.errors) {
      count(true);
      send(200, result);
      return;
    }
    count(false);
    const error = result.errors[0]!;
    // No data: the variables did not coerce (the operation never ran).
    if (!('data' in result) || result.data === undefined) {
      send(400, { errors: result.errors.map((e) => ({ message: e.message, extensions: { code: 'BAD_USER_INPUT' } })) });
    } else if (mode === 'internalError200') {
      send(200, { data: null, errors: [{ message: error.message, path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    } else {
      send(500, { errors: [{ message: error.message }] });
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    accepted,
    pushes,
    documents: sorted,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A title the server's "database" refuses (it contains a NUL character). */
export const POISON_TITLE = `poison${POISON}`;

class DatabaseError extends Error {}
