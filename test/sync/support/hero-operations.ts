import type { RxJsonSchema } from 'rxdb';
import type { CollectionOperations } from '../../../src/sync/graphql-operations.ts';

// Collection overrides for the hero server (RxDB's example convention):
// pullHero(checkpoint, limit), pushHero(heroPushRow), streamHero(headers).
export const heroSchema: RxJsonSchema<any> = {
  version: 0, primaryKey: 'id', type: 'object', required: ['id', 'color'],
  properties: { id: { type: 'string', maxLength: 100 }, name: { type: 'string' }, color: { type: 'string' }, updatedAt: { type: 'number' } },
};

const FIELDS = 'id name color updatedAt deleted';

export const heroOperations: CollectionOperations = {
  pull: {
    query: `query PullHero($checkpoint: HeroInputCheckpoint, $limit: Int!) { pullHero(checkpoint: $checkpoint, limit: $limit) { documents { ${FIELDS} } checkpoint { id updatedAt } } }`,
    variables: (checkpoint, limit) => ({ checkpoint: checkpoint ?? null, limit }),
    data: (data) => data['pullHero'] as never,
  },
  push: {
    query: `mutation PushHero($heroPushRow: [HeroInputPushRow]) { pushHero(heroPushRow: $heroPushRow) { ${FIELDS} } }`,
    variables: (rows) => ({ heroPushRow: rows }),
    data: (data) => data['pushHero'] as never,
  },
  stream: {
    query: `subscription onStream($headers: HeroInputHeaders) { streamHero(headers: $headers) { documents { ${FIELDS} } checkpoint { id updatedAt } } }`,
    variables: ({ authorization }) => ({ headers: { Authorization: authorization } }),
    data: (data) => data['streamHero'] as never,
  },
};
