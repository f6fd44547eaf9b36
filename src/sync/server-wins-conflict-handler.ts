import { deepEqual, defaultConflictHandler } from 'rxdb';
import type { RxConflictHandler, WithDeleted } from 'rxdb';

/**
 * Server wins, except over the device itself. Some servers assign `updatedAt` and detect conflicts
 * by comparing it (RxDB's GraphQL example does). There, a second local edit pushed before the
 * server's echo of the first carries a stale `updatedAt` and is reported as a conflict with the
 * device's own earlier write; RxDB's default server-wins would drop that edit. This handler spots
 * that case (the server's state equals what the device last knew, apart from the timestamp), keeps
 * the local edit rebased on the server's timestamp so the next push passes, and lets the server
 * win every real conflict. Against servers that compare content (the reference server, RxDB's
 * reference master-write) that case never arises and it behaves like the default.
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
