import { GraphQLError } from 'graphql';
import type { AuthenticatedUser } from '../auth/auth-service.ts';
import type { ServerStats } from '../stats.ts';
import type { ChangeFeed } from '../sync/change-feed.ts';
import { typeName, type CollectionsConfig } from '../sync/collections.ts';
import { unstorableCharacter } from '../sync/document-content.ts';
import type { Checkpoint, DocumentStore, PushRow } from '../sync/document-store.ts';
import { bulkStream } from './bulk-stream.ts';

/** Per-request context: the verified caller, and per-document refusals to report next to the data. */
export interface SyncContext {
  user: AuthenticatedUser;
  refusals: GraphQLError[];
  /** The socket asked (`connectionParams.announceLive`) to be told when a subscription is live. */
  announceLive?: boolean;
}

export interface SyncResolverDeps {
  store: DocumentStore;
  feed: ChangeFeed;
  collections: CollectionsConfig;
  stats: ServerStats;
}

/** The largest `limit` one pull field accepts; a larger one is refused before anything is read. */
export const MAX_LIMIT = 10_000;

/**
 * The root value that answers `pullX`, `pushX` and `streamX` for every configured collection.
 *
 * @example
 * const rootValue = syncRootValue({ store, feed, collections, stats });
 * await execute({ schema, document, rootValue, contextValue: { user, refusals: [] } });
 */
export function syncRootValue(deps: SyncResolverDeps): Record<string, unknown> {
  const { store, feed, stats } = deps;
  const root: Record<string, unknown> = {};
  for (const collection of Object.keys(deps.collections)) {
    const T = typeName(collection);

    root[`pull${T}`] = async (args: { checkpoint?: Checkpoint | null; limit: number }, ctx: SyncContext) => {
      if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIMIT) {
        throw new GraphQLError(`limit must be between 1 and ${MAX_LIMIT}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      // No stored id holds such a character, and PostgreSQL would fail the query on a NUL.
      const unstorable = args.checkpoint ? unstorableCharacter(args.checkpoint.id) : null;
      if (unstorable) throw new GraphQLError(`checkpoint.id contains ${unstorable}`, { extensions: { code: 'BAD_USER_INPUT' } });
      stats.pulls += 1;
      return store.pull(ctx.user.userId, collection, args.checkpoint ?? null, args.limit);
    };

    root[`push${T}`] = async (args: { rows: PushRow[] }, ctx: SyncContext) => {
      stats.pushes += 1;
      if (args.rows.length === 0) return [];
      const outcome = await store.push(ctx.user.userId, collection, args.rows);
      stats.pushedDocuments += outcome.written;
      stats.conflicts += outcome.conflicts.length;
      stats.refusedDocuments += outcome.refused.length;
      for (const refused of outcome.refused) {
        ctx.refusals.push(new GraphQLError(refused.message, {
          path: [`push${T}`],
          extensions: { code: refused.code, documentId: refused.documentId },
        }));
      }
      return outcome.conflicts;
    };

    root[`stream${T}`] = (_args: unknown, ctx: SyncContext) => {
      stats.activeStreams += 1;
      return bulkStream((push) => {
        const unsubscribe = feed.subscribe(ctx.user.userId, collection, (bulk) => push({ [`stream${T}`]: bulk }));
        // Live from here: the empty event tells a client that asked for it to pull from its checkpoint
        // now, so a change made between its connect and this subscription is not missed. Only on
        // request: RxDB's own GraphQL plugin would take it for a change with no checkpoint.
        if (ctx.announceLive) push({ [`stream${T}`]: { documents: [], checkpoint: null } });
        return () => {
          stats.activeStreams -= 1;
          unsubscribe();
        };
      });
    };
  }
  return root;
}
