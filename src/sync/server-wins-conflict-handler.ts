import { deepEqual, defaultConflictHandler } from 'rxdb';
import type { RxConflictHandler, WithDeleted } from 'rxdb';

/**
 * Server wins, except over itself. With a server that assigns `updatedAt` and detects conflicts by
 * comparing it, a second local edit pushed before the server's echo of the first arrives carries a
 * stale `updatedAt` and is reported as a conflict against the client's own earlier write. RxDB's
 * plain server-wins would then drop that edit. This handler recognises the case (the server's
 * state equals what the client last knew, apart from the timestamp) and keeps the local edit,
 * rebased on the server's timestamp so the next push passes; every real conflict goes to the server.
 *
 * @example
 * ```ts
 * await db.addCollections({ todo: { schema: todoSchema, conflictHandler: serverWinsConflictHandler() } });
 * ```
 */
export function serverWinsConflictHandler(opts: { timestampField?: string } = {}): RxConflictHandler<any> {
  const field = opts.timestampField ?? 'updatedAt';
  const withoutTimestamp = (doc: WithDeleted<any>): Record<string, unknown> => {
    const { [field]: _timestamp, ...rest } = doc as Record<string, unknown>;
    return rest;
  };
  return {
    isEqual: defaultConflictHandler.isEqual,
    async resolve({ assumedMasterState, realMasterState, newDocumentState }) {
      if (assumedMasterState && deepEqual(withoutTimestamp(assumedMasterState), withoutTimestamp(realMasterState))) {
        return { ...newDocumentState, [field]: (realMasterState as Record<string, unknown>)[field] };
      }
      return realMasterState;
    },
  };
}
