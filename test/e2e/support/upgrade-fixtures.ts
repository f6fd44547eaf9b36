// Fixtures of the schema-upgrade tests: the todo collection at version 0 and at version 1 (which
// adds `priority`), the reference server that already has `priority` as an optional field (servers
// are upgraded first), and a fetch that counts what crosses the wire.
import type { RxJsonSchema } from 'rxdb';
import type { SyncCollectionOptions } from '../../../src/index.ts';
import { todoSchema } from '../../helpers/todo-schema.ts';

export const todoV0: SyncCollectionOptions = { schema: todoSchema };

export const todoSchemaV1: RxJsonSchema<any> = {
  ...todoSchema,
  version: 1,
  properties: { ...todoSchema.properties, priority: { type: 'number' } },
};

/** Version 1: every todo gets a priority; deterministic, so in-sync documents stay in sync. */
export const todoV1: SyncCollectionOptions = {
  schema: todoSchemaV1,
  migrationStrategies: { 1: (doc: Record<string, unknown>) => ({ ...doc, priority: 0 }) },
  schemaVersionOf: (doc) => (doc.priority === undefined ? 0 : 1),
};

/** The server's todo once the app's version 1 is planned: `priority` is optional. */
export const serverCollectionsV1 = {
  todo: { fields: { title: 'String', done: 'Boolean', priority: 'Float?' } },
} as const;

/** Counts the push rows sent and the documents pulled over HTTP (the live stream is not counted). */
export function countingFetch(): { fetch: typeof fetch; pushedRows: Map<string, number>; pulledDocuments: () => number; reset(): void } {
  const pushedRows = new Map<string, number>();
  let pulled = 0;
  const counting: typeof fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { query?: string; variables?: { rows?: { newDocumentState: { id: string } }[] } }) : null;
    if (body?.query?.startsWith('mutation Push')) {
      for (const row of body.variables?.rows ?? []) pushedRows.set(row.newDocumentState.id, (pushedRows.get(row.newDocumentState.id) ?? 0) + 1);
    }
    const response = await globalThis.fetch(input, init);
    if (body?.query?.startsWith('query Pull')) {
      const json = (await response.clone().json().catch(() => null)) as { data?: Record<string, { documents?: unknown[] }> } | null;
      pulled += Object.values(json?.data ?? {})[0]?.documents?.length ?? 0;
    }
    return response;
  };
  return { fetch: counting, pushedRows, pulledDocuments: () => pulled, reset: () => { pushedRows.clear(); pulled = 0; } };
}
