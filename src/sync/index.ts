// The replication layer (issue 4): what the session machine and the client facade wire together.
export { openUserDatabase, userDatabaseName } from './user-database.ts';
export type { CollectionDefinition, UserDatabaseOptions } from './user-database.ts';
export { defaultOperations, graphQLTypeName } from './graphql-operations.ts';
export { serverWinsConflictHandler } from './server-wins-conflict-handler.ts';
export type {
  CollectionOperations, PullOperation, PushOperation, StreamOperation, PullBulk, PushRow, ServerDocument,
} from './graphql-operations.ts';
export { createSyncTransport } from './sync-transport.ts';
export type { TokenSource, SyncTransport, SyncTransportOptions, SyncResponse } from './sync-transport.ts';
export { LiveStream } from './live-stream.ts';
export type { LiveStreamOptions, RemoteChangeFeed, RemoteEvent } from './live-stream.ts';
export { PollFeed } from './poll-feed.ts';
export { CollectionReplication } from './collection-replication.ts';
export type { CollectionReplicationOptions, SyncDirection } from './collection-replication.ts';
export { SyncEngine } from './sync-engine.ts';
export type { SyncEngineOptions, SyncedCollection, SyncStatus } from './sync-engine.ts';
export type { CollectionSyncStatus, SyncState } from './sync-status.ts';
export type { RejectedDocument } from './rejected-documents.ts';
export type { RetryOutcome } from './rejected-actions.ts';
export type { PendingWrites } from './pending-writes.ts';
export { countPendingWrites } from './pending-writes.ts';
export type { RetryPolicy } from './retry-delay.ts';
export { TabSync } from './tab-sync.ts';
export type { SyncTab, TabSyncStatus, TabChannel, TabLeader, TabSyncOptions } from './tab-sync.ts';
export { followMigrations, migrateServerDocuments } from './schema-migration.ts';
export type { MigrationProgress } from './schema-migration.ts';
