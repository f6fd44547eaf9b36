/** GraphQL scalar of a document field. */
export type FieldScalar = 'String' | 'Boolean' | 'Float' | 'Int';

/**
 * A field's type: a scalar is required (non-null); with `?` it is optional (nullable), so a collection
 * can gain a field without a migration of the stored data: documents stored before it existed are
 * served with null, and a push that leaves it out (a device still on the old app) keeps the stored value.
 */
export type FieldType = FieldScalar | `${FieldScalar}?`;

/** One synced collection: its fields besides `id`, `updatedAt` and `deleted`. */
export interface CollectionConfig {
  fields: Record<string, FieldType>;
}

export type CollectionsConfig = Record<string, CollectionConfig>;

/** `todo` and `note`, as the client's tests expect them. Add optional fields as `'Float?'`. */
export const DEFAULT_COLLECTIONS: CollectionsConfig = {
  todo: { fields: { title: 'String', done: 'Boolean' } },
  note: { fields: { body: 'String' } },
};

const NAME = /^[a-z][A-Za-z0-9]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['id', 'updatedAt', 'deleted']);
const TYPES = new Set<string>(['String', 'Boolean', 'Float', 'Int']);

/**
 * Whether a field may be absent (`'Float?'`).
 *
 * @example
 * isOptional('Float?'); // true
 */
export function isOptional(type: FieldType): boolean {
  return type.endsWith('?');
}

/**
 * The GraphQL scalar of a field type.
 *
 * @example
 * scalarOf('Float?'); // 'Float'
 */
export function scalarOf(type: FieldType): FieldScalar {
  return (isOptional(type) ? type.slice(0, -1) : type) as FieldScalar;
}

/**
 * The GraphQL type name of a collection: `todo` → `Todo`.
 *
 * @example
 * typeName('todo'); // 'Todo'
 */
export function typeName(collection: string): string {
  return collection.charAt(0).toUpperCase() + collection.slice(1);
}

/**
 * Throws a clear error for a collection config that cannot become a GraphQL schema.
 *
 * @example
 * assertCollections({ todo: { fields: { title: 'String' } } });
 */
export function assertCollections(collections: CollectionsConfig): void {
  const names = Object.keys(collections);
  if (names.length === 0) throw new Error('at least one collection must be configured');
  for (const name of names) {
    if (!NAME.test(name)) throw new Error(`collection name "${name}" must be a lower-camel-case identifier`);
    for (const [field, type] of Object.entries(collections[name]?.fields ?? {})) {
      if (!FIELD.test(field) || RESERVED.has(field)) throw new Error(`collection "${name}": field name "${field}" is not allowed`);
      if (typeof type !== 'string' || !TYPES.has(scalarOf(type))) throw new Error(`collection "${name}": field "${field}" has unknown type "${type}"`);
    }
  }
}
