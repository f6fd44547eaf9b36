import type { RxJsonSchema } from 'rxdb';

/**
 * A document as the server sends and receives it (its delete flag is `deleted`).
 *
 * @example
 * ```ts
 * const doc: ServerDocument = { id: 't1', title: 'milk', done: false, updatedAt: 17, deleted: false };
 * ```
 */
export type ServerDocument = Record<string, unknown>;

/**
 * One page of server changes: what a pull returns and what the stream emits.
 *
 * @example
 * ```ts
 * const page: PullBulk = { documents: [doc], checkpoint: { id: 't1', updatedAt: 17 } };
 * ```
 */
export interface PullBulk {
  documents: ServerDocument[];
  /** Opaque to the client; sent back on the next pull. `{ id, updatedAt }` in the default convention. */
  checkpoint: unknown;
}

/**
 * One row of a push: the new local state and the server state the client last saw.
 *
 * @example
 * ```ts
 * const row: PushRow = { assumedMasterState: before, newDocumentState: { ...before, done: true } };
 * ```
 */
export interface PushRow {
  assumedMasterState?: ServerDocument | undefined;
  newDocumentState: ServerDocument;
}

/**
 * How a pull is sent and read.
 *
 * @example
 * ```ts
 * const pull: PullOperation = { query: PULL_HERO, variables: (checkpoint, limit) => ({ checkpoint, limit }), data: (d) => d.pullHero as PullBulk };
 * ```
 */
export interface PullOperation {
  query: string;
  variables(checkpoint: unknown, limit: number): Record<string, unknown>;
  /** Extracts the page from the response's `data`. */
  data(data: Record<string, unknown>): PullBulk;
}

/**
 * How a push is sent and read.
 *
 * @example
 * ```ts
 * const push: PushOperation = { query: PUSH_HERO, variables: (rows) => ({ heroPushRow: rows }), data: (d) => d.pushHero as ServerDocument[] };
 * ```
 */
export interface PushOperation {
  query: string;
  variables(rows: readonly PushRow[]): Record<string, unknown>;
  /** Extracts the conflicting master documents (`[]` when none) from the response's `data`. */
  data(data: Record<string, unknown>): ServerDocument[];
}

/**
 * How the live subscription is sent and read.
 *
 * @example
 * ```ts
 * const stream: StreamOperation = { query: STREAM_HERO, variables: ({ authorization }) => ({ headers: { Authorization: authorization } }),
 *   data: (d) => d.streamHero as PullBulk };
 * ```
 */
export interface StreamOperation {
  query: string;
  /**
   * Variables of the subscription, computed on every (re)subscribe. `authorization` is only for
   * servers that take credentials as an argument (RxDB's example convention); the default
   * convention sends the token in `connectionParams` and ignores it.
   */
  variables?(auth: { authorization: string }): Record<string, unknown>;
  data(data: Record<string, unknown>): PullBulk;
}

/**
 * The GraphQL operations of one collection: the defaults, or an app's override.
 *
 * @example
 * ```ts
 * const hero: CollectionOperations = { pull, push, stream };
 * createSyncClient({ …, collections: { hero: { schema: heroSchema, graphql: hero } } });
 * ```
 */
export interface CollectionOperations {
  pull: PullOperation;
  push: PushOperation;
  /** Without a stream the replication pulls on an interval. */
  stream?: StreamOperation;
}

const INTERNAL_FIELDS = new Set(['_deleted', '_attachments', '_meta', '_rev']);

/**
 * The GraphQL type name of a collection in the default convention.
 *
 * @example
 * ```ts
 * graphQLTypeName('todo');      // 'Todo'
 * graphQLTypeName('todo_item'); // 'TodoItem'
 * ```
 */
export function graphQLTypeName(collectionName: string): string {
  return collectionName
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The default operations of the RxDB convention (docs/wire-protocol.md) for a collection: `pullTodo(checkpoint,
 * limit)`, `pushTodo(rows)` and `streamTodo`, selecting the schema's top-level fields plus `deleted`.
 *
 * @example
 * ```ts
 * const ops = defaultOperations('todo', todoSchema);
 * ops.pull.query; // 'query PullTodo($checkpoint: TodoCheckpointInput, $limit: Int!) { pullTodo(…) { … } }'
 * ```
 */
export function defaultOperations(collectionName: string, schema: RxJsonSchema<any>): CollectionOperations {
  const type = graphQLTypeName(collectionName);
  const fields = documentFields(schema);
  const selection = selectionOf(schema.properties as Record<string, JsonSchemaNode>, fields);
  const bulk = `documents { ${selection} } checkpoint { id updatedAt }`;
  const toInput = (doc: ServerDocument): ServerDocument => pick(doc, fields);
  return {
    pull: {
      query: `query Pull${type}($checkpoint: ${type}CheckpointInput, $limit: Int!) { pull${type}(checkpoint: $checkpoint, limit: $limit) { ${bulk} } }`,
      variables: (checkpoint, limit) => ({ checkpoint: checkpoint ?? null, limit }),
      data: (data) => data[`pull${type}`] as PullBulk,
    },
    push: {
      query: `mutation Push${type}($rows: [${type}PushRow!]!) { push${type}(rows: $rows) { ${selection} } }`,
      variables: (rows) => ({
        rows: rows.map((row) => ({
          assumedMasterState: row.assumedMasterState ? toInput(row.assumedMasterState) : null,
          newDocumentState: toInput(row.newDocumentState),
        })),
      }),
      data: (data) => data[`push${type}`] as ServerDocument[],
    },
    stream: {
      query: `subscription Stream${type} { stream${type} { ${bulk} } }`,
      data: (data) => data[`stream${type}`] as PullBulk,
    },
  };
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
}

function documentFields(schema: RxJsonSchema<any>): string[] {
  const names = Object.keys(schema.properties).filter((name) => !INTERNAL_FIELDS.has(name));
  return names.includes('deleted') ? names : [...names, 'deleted'];
}

// Nested objects need a sub-selection; their own properties are selected recursively.
function selectionOf(properties: Record<string, JsonSchemaNode>, names: readonly string[]): string {
  return names
    .map((name) => {
      const nested = properties[name]?.properties;
      return nested ? `${name} { ${selectionOf(nested, Object.keys(nested))} }` : name;
    })
    .join(' ');
}

function pick(doc: ServerDocument, fields: readonly string[]): ServerDocument {
  const out: ServerDocument = {};
  for (const field of fields) if (doc[field] !== undefined) out[field] = doc[field];
  return out;
}
