import type { PullBulk, ServerDocument } from './graphql-operations.ts';
import { protocolError } from './sync-transport.ts';

/**
 * A server document as RxDB wants it: GraphQL fills absent optional fields with `null`, RxDB's
 * schema wants them absent. A document without nulls is returned as it is (RxDB copies every
 * pulled document anyway), so the common case allocates nothing.
 *
 * @example
 * ```ts
 * withoutNulls({ id: 'h2', name: null, color: 'blue' }); // { id: 'h2', color: 'blue' }
 * ```
 */
export function withoutNulls(doc: ServerDocument): ServerDocument {
  for (const key in doc) {
    if (doc[key] !== null) continue;
    const out: ServerDocument = {};
    for (const [name, value] of Object.entries(doc)) if (value !== null) out[name] = value;
    return out;
  }
  return doc;
}

/**
 * The page itself if it has the shape of one (a documents array of objects), else a `protocol`
 * failure: a malformed answer must never advance the checkpoint.
 *
 * @example
 * ```ts
 * checkedBulk({ documents: [], checkpoint: null }); // returned as is
 * checkedBulk(undefined);                            // throws SessionError PROTOCOL
 * ```
 */
export function checkedBulk(bulk: PullBulk | undefined, what: string): PullBulk {
  if (!bulk || !Array.isArray(bulk.documents) || bulk.documents.some((doc) => typeof doc !== 'object' || doc === null)) {
    throw protocolError(`${what} without a documents array`);
  }
  return bulk;
}
