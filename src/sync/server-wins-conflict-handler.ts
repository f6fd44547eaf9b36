import { deepEqual } from 'rxdb';
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
 * Its equality ignores the timestamp, which the server owns: a pushed document that comes back
 * (the live stream's echo, the pull after a backlog) differs from the local one only there, and
 * RxDB then neither rewrites the document nor its replication metadata. The local copy keeps the
 * timestamp it had until the document changes on the server; nothing orders by it locally.
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
    isEqual: (a, b) => equalApartFrom(field, a as Record<string, unknown>, b as Record<string, unknown>),
    async resolve({ assumedMasterState, realMasterState, newDocumentState }) {
      if (assumedMasterState && deepEqual(withoutTimestamp(assumedMasterState), withoutTimestamp(realMasterState))) {
        return { ...newDocumentState, [field]: (realMasterState as Record<string, unknown>)[field] };
      }
      return realMasterState;
    },
  };
}

// Deep equality of two document states, skipping one top-level field and attachment data (as RxDB's default does).
function equalApartFrom(field: string, a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a === b) return true;
  let keysOfA = 0;
  for (const key in a) {
    if (key === field || key === '_attachments') continue;
    keysOfA++;
    if (!Object.prototype.hasOwnProperty.call(b, key) || !deepEqual(a[key], b[key])) return false;
  }
  let keysOfB = 0;
  for (const key in b) if (key !== field && key !== '_attachments') keysOfB++;
  return keysOfA === keysOfB && sameAttachments(a['_attachments'], b['_attachments']);
}

// Attachments compare by digest and length, never by their data.
function sameAttachments(a: unknown, b: unknown): boolean {
  const strip = (value: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [id, att] of Object.entries((value ?? {}) as Record<string, { digest?: unknown; length?: unknown; type?: unknown }>)) {
      out[id] = { digest: att.digest, length: att.length, type: att.type };
    }
    return out;
  };
  return a === b || deepEqual(strip(a), strip(b));
}
