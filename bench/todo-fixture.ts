// The synced collection every lane uses: the todo schema, its default GraphQL operations, documents.
import type { RxJsonSchema } from 'rxdb';
import { GraphQLClient } from 'graphql-request';
import { defaultOperations } from '../src/index.ts';
import type { PullBulk } from '../src/advanced.ts';

/** The RxDB schema of `todo`, as an app would declare it. */
export const todoSchema: RxJsonSchema<any> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  required: ['id', 'title', 'done'],
  properties: { id: { type: 'string', maxLength: 100 }, title: { type: 'string' }, done: { type: 'boolean' }, updatedAt: { type: 'number' } },
};

/** pullTodo / pushTodo exactly as the replication sends them. */
export const todoOperations = defaultOperations('todo', todoSchema);

/** A todo as written locally (no server-assigned updatedAt yet). */
export interface Todo { id: string; title: string; done: boolean }

/** n todos of the same size in every lane; ids are unique per prefix (server ids are unique per collection). */
export function todos(n: number, prefix: string): Todo[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(6, '0')}`, title: `todo number ${i} ${'x'.repeat(40)}`, done: i % 2 === 0 }));
}

/** The push rows the replication sends for new local documents. */
export const pushRows = (docs: Todo[]) => docs.map((d) => ({ newDocumentState: { ...d, deleted: false } }));

/** graphql-request with the token in the Authorization header (never a variable). */
export const graphqlClient = (url: string, token: string, fetchImpl: typeof fetch = fetch) =>
  new GraphQLClient(url, { headers: { authorization: `Bearer ${token}` }, fetch: fetchImpl });

/** Puts `docs` on the server as the token's user, in pushes of 1,000. */
export async function seedServer(url: string, token: string, docs: Todo[]): Promise<void> {
  const client = graphqlClient(url, token);
  for (let i = 0; i < docs.length; i += 1000) {
    const rows = pushRows(docs.slice(i, i + 1000));
    const conflicts = todoOperations.push.data(await client.request<Record<string, unknown>>(todoOperations.push.query, todoOperations.push.variables(rows)));
    if (conflicts.length !== 0) throw new Error(`seeding met ${conflicts.length} conflicts`);
  }
}

/** How many documents of the token's user the server holds (pulled in pages of 1,000; ids counted once). */
export async function serverCount(url: string, token: string): Promise<number> {
  const pull = pullWith(graphqlClient(url, token));
  const ids = new Set<string>();
  let checkpoint: unknown = undefined;
  for (;;) {
    const page = await pull(checkpoint, 1000);
    for (const doc of page.documents) {
      if (ids.has(doc.id as string)) throw new Error(`the server returned ${String(doc.id)} twice`);
      ids.add(doc.id as string);
    }
    checkpoint = page.checkpoint;
    if (page.documents.length < 1000) return ids.size;
  }
}

/** Sends one pull: the checkpoint of the previous page (undefined first) and the page size. */
export type PullPage = (checkpoint: unknown, limit: number) => Promise<PullBulk>;

/** A PullPage over graphql-request. */
export const pullWith = (client: GraphQLClient): PullPage => async (checkpoint, limit) =>
  todoOperations.pull.data(await client.request<Record<string, unknown>>(todoOperations.pull.query, todoOperations.pull.variables(checkpoint, limit)));

/** Pulls from the start until a short page, as the replication's initial pull does. */
export async function pullAll(pullPage: PullPage, pageSize: number): Promise<{ docs: number; requests: number }> {
  let checkpoint: unknown = undefined;
  let docs = 0;
  for (let requests = 1; ; requests += 1) {
    const page = await pullPage(checkpoint, pageSize);
    docs += page.documents.length;
    checkpoint = page.checkpoint;
    if (page.documents.length < pageSize) return { docs, requests };
  }
}
