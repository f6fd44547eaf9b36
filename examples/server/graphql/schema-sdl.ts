import { isOptional, scalarOf, typeName, type CollectionsConfig } from '../sync/collections.ts';

/**
 * The GraphQL SDL for the configured collections, in RxDB's replication convention:
 * `pullTodo` / `pushTodo` / `streamTodo` with `TodoPullBulk`, `TodoCheckpoint`, `TodoInput`, `TodoPushRow`.
 *
 * @example
 * const sdl = schemaSdl({ todo: { fields: { title: 'String', done: 'Boolean' } } });
 */
export function schemaSdl(collections: CollectionsConfig): string {
  const types: string[] = [];
  const query: string[] = [];
  const mutation: string[] = [];
  const subscription: string[] = [];
  for (const [name, config] of Object.entries(collections)) {
    const T = typeName(name);
    const fields = Object.entries(config.fields)
      .map(([field, type]) => `  ${field}: ${scalarOf(type)}${isOptional(type) ? '' : '!'}`)
      .join('\n');
    types.push(
      `type ${T} {\n  id: String!\n${fields}\n  updatedAt: Float!\n  deleted: Boolean!\n}`,
      // updatedAt is accepted on input (clients echo it) but the server assigns its own.
      `input ${T}Input {\n  id: String!\n${fields}\n  updatedAt: Float\n  deleted: Boolean!\n}`,
      `type ${T}Checkpoint {\n  id: String!\n  updatedAt: Float!\n}`,
      `input ${T}CheckpointInput {\n  id: String!\n  updatedAt: Float!\n}`,
      `type ${T}PullBulk {\n  documents: [${T}!]!\n  checkpoint: ${T}Checkpoint\n}`,
      `input ${T}PushRow {\n  assumedMasterState: ${T}Input\n  newDocumentState: ${T}Input!\n}`,
    );
    query.push(`  pull${T}(checkpoint: ${T}CheckpointInput, limit: Int!): ${T}PullBulk!`);
    mutation.push(`  push${T}(rows: [${T}PushRow!]!): [${T}!]!`);
    subscription.push(`  stream${T}: ${T}PullBulk!`);
  }
  return [
    ...types,
    `type Query {\n${query.join('\n')}\n}`,
    `type Mutation {\n${mutation.join('\n')}\n}`,
    `type Subscription {\n${subscription.join('\n')}\n}`,
  ].join('\n\n');
}
