import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_DOCUMENTS_PER_OPERATION, MAX_PUSH_ROWS_PER_OPERATION, MAX_ROOT_FIELDS, MAX_SELECTED_FIELDS, OPERATION_TOO_LARGE,
} from '../../examples/server/graphql/operation-bounds.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo, type Answer, type SignedInUser } from '../helpers/server-requests.ts';

/** Generous: unbounded, the 800-alias attack ran for 141 s; a busy test machine must still pass. */
const REFUSED_WITHIN_MS = 2_000;
/** Generous too: what matters is that the neighbour is answered at all while the flood runs. */
const NEIGHBOUR_SERVED_WITHIN_MS = 5_000;

const BULK = 'documents { id title done updatedAt deleted } checkpoint { id updatedAt }';

/** `count` aliased root fields, each `field`. */
const aliased = (count: number, field: (i: number) => string): string =>
  Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join(' ');

/** The attack that took 141 s: 800 aliases of a full pull, 30 KB of query text. */
const EIGHT_HUNDRED_PULLS = `{ ${aliased(800, () => 'pullTodo(limit: 10000) { ...Bulk }')} } fragment Bulk on TodoPullBulk { ${BULK} }`;

const expectTooLarge = (res: Answer, words: string) => {
  expect(res.status).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors[0].extensions.code).toBe(OPERATION_TOO_LARGE);
  expect(res.body.errors[0].message).toContain(words);
};

describe.each(serverLanes)('operation bounds over HTTP ($name)', (lane) => {
  let running: LaneServer;
  let attacker: SignedInUser;
  let neighbour: SignedInUser;
  beforeAll(async () => {
    running = await startLaneServer(lane);
    attacker = await signedInUser(running.server);
    neighbour = await signedInUser(running.server);
    const rows = (owner: string) => Array.from({ length: 500 }, (_, i) => ({ newDocumentState: todo(`${owner}-${i}`) }));
    for (const user of [attacker, neighbour]) {
      const seeded = await graphql(running.server, user.accessToken, PUSH_TODO, { rows: rows(user.userId) });
      expect(seeded.status).toBe(200);
    }
  });
  afterAll(() => running.close());

  it('refuses 800 aliased pulls at once, naming the bound, before any resolver runs', async () => {
    const { server } = running;
    expect(EIGHT_HUNDRED_PULLS.length).toBeGreaterThan(30_000);
    const before = server.stats();
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = performance.now();
      const res = await graphql(server, attacker.accessToken, EIGHT_HUNDRED_PULLS);
      expect(performance.now() - started).toBeLessThan(REFUSED_WITHIN_MS);
      expectTooLarge(res, `operation selects 800 root fields; at most ${MAX_ROOT_FIELDS} are allowed`);
    }
    expect(server.stats().pulls).toBe(before.pulls);
    expect(server.stats().refusedOperations).toBe(before.refusedOperations + 2);
  });

  it('counts root fields through fragment spreads and inline fragments', async () => {
    const pull = (i: number) => `p${i}: pullTodo(limit: 1) { checkpoint { id } }`;
    const fragments = `fragment Six on Query { ${[0, 1, 2].map(pull).join(' ')} ...Three }
      fragment Three on Query { ${[3, 4, 5].map(pull).join(' ')} }`;
    const query = (more: number[]) => `{ ...Six ... on Query { ${[6, 7, 8].map(pull).join(' ')} } ${more.map(pull).join(' ')} } ${fragments}`;
    expectTooLarge(await graphql(running.server, attacker.accessToken, query([9, 10])), 'operation selects 11 root fields');
    const atTheCap = await graphql(running.server, attacker.accessToken, query([9]));
    expect(atTheCap.status).toBe(200);
    expect(Object.keys(atTheCap.body.data)).toHaveLength(MAX_ROOT_FIELDS);
  });

  it('counts introspection fields as root fields, and still answers the standard introspection query', async () => {
    const introspection = aliased(MAX_ROOT_FIELDS + 1, (i) => (i % 2 === 0 ? '__schema { queryType { name } }' : '__type(name: "Todo") { name }'));
    expectTooLarge(await graphql(running.server, attacker.accessToken, `{ ${introspection} }`), `operation selects ${MAX_ROOT_FIELDS + 1} root fields`);
    const standard = await graphql(running.server, attacker.accessToken, getIntrospectionQuery());
    expect(standard.status).toBe(200);
    expect(standard.body.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses more documents than one operation may return (sum of limit), from literals and from variables', async () => {
    const { server } = running;
    expectTooLarge(
      await graphql(server, attacker.accessToken, `{ ${aliased(5, () => `pullTodo(limit: 10000) { ${BULK} }`)} }`),
      `operation may return 50,000 documents (sum of limit); at most ${MAX_DOCUMENTS_PER_OPERATION.toLocaleString('en-US')}`,
    );
    const twoPulls = `query Two($first: Int!, $second: Int! = 6000) {
      first: pullTodo(limit: $first) { ${BULK} } second: pullTodo(limit: $second) { ${BULK} } }`;
    // The same query text (cached once prepared) is admitted or refused by its variables on every request.
    const fits = await graphql(server, attacker.accessToken, twoPulls, { first: 4000 });
    expect(fits.status).toBe(200);
    expect(fits.body.data.first.documents).toHaveLength(500);
    expectTooLarge(await graphql(server, attacker.accessToken, twoPulls, { first: 4001 }), 'operation Two may return 10,001 documents (sum of limit)');
    // A limit of the wrong type is still execution's BAD_USER_INPUT, not a bound.
    const wrongType = await graphql(server, attacker.accessToken, twoPulls, { first: 'many' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses an operation selecting too many fields, fragments expanded, however they multiply', async () => {
    const { server } = running;
    const ids = aliased(MAX_SELECTED_FIELDS, () => 'id');
    expectTooLarge(
      await graphql(server, attacker.accessToken, `{ pullTodo(limit: 1) { documents { ${ids} } } }`),
      `operation selects ${MAX_SELECTED_FIELDS + 2} fields (fragments expanded); at most ${MAX_SELECTED_FIELDS} are allowed`,
    );
    // Each fragment spreads the next twice: 2^40 fields from 4 KB of text.
    const levels = Array.from({ length: 40 }, (_, i) => `fragment F${i} on TodoPullBulk { a: documents { id } b: checkpoint { id } ...F${i + 1} ...F${i + 1} }`);
    const started = performance.now();
    const doubling = await graphql(server, attacker.accessToken, `{ pullTodo(limit: 1) { ...F0 } } ${levels.join('\n')} fragment F40 on TodoPullBulk { checkpoint { id } }`);
    expect(performance.now() - started).toBeLessThan(REFUSED_WITHIN_MS);
    expectTooLarge(doubling, 'operation selects more than 100,000 fields');
  });

  it('refuses a pull whose documents times fields per document exceed the bound', async () => {
    const titles = `documents { ${aliased(60, () => 'title')} }`;
    expectTooLarge(
      await graphql(running.server, attacker.accessToken, `{ pullTodo(limit: 10000) { ${titles} } }`),
      'operation may return 600,000 document fields (documents × fields selected per document); at most 500,000',
    );
    expect((await graphql(running.server, attacker.accessToken, `{ pullTodo(limit: 1000) { ${titles} } }`)).status).toBe(200);
  });

  it('refuses more pushed rows than one operation may carry, across its push fields, and writes none of them', async () => {
    const { server } = running;
    const pusher = await signedInUser(server);
    const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ newDocumentState: todo(`r${from + i}`) }));
    const split = `mutation Split($a: [TodoPushRow!]!, $b: [TodoPushRow!]!) { a: pushTodo(rows: $a) { id } b: pushTodo(rows: $b) { id } }`;
    expectTooLarge(await graphql(server, pusher.accessToken, PUSH_TODO, { rows: rows(0, MAX_PUSH_ROWS_PER_OPERATION + 1) }), 'operation Push pushes 10,001 rows; at most 10,000');
    expectTooLarge(await graphql(server, pusher.accessToken, split, { a: rows(0, 5500), b: rows(5500, 5000) }), 'operation Split pushes 10,500 rows');
    expect(await server.readDocuments(pusher.userId, 'todo')).toEqual([]);
    expect((await graphql(server, pusher.accessToken, split, { a: rows(0, 2), b: rows(2, 1) })).status).toBe(200);
    expect(await server.readDocuments(pusher.userId, 'todo')).toHaveLength(3);
  });

  it('refuses a query text over the token limit with a message naming it', async () => {
    const res = await graphql(running.server, attacker.accessToken, `{ ${aliased(3000, () => 'pullTodo(limit: 1) { checkpoint { id } }')} }`);
    expectTooLarge(res, 'query has more than 10,000 tokens; at most 10,000 are allowed');
  });

  it('serves a well-behaved user promptly while another floods it with refused operations', async () => {
    const { server } = running;
    const flood = Array.from({ length: 40 }, () => graphql(server, attacker.accessToken, EIGHT_HUNDRED_PULLS));
    const started = performance.now();
    const pull = await graphql(server, neighbour.accessToken, PULL_TODO, { checkpoint: null, limit: 500 });
    const elapsed = performance.now() - started;
    expect(pull.status).toBe(200);
    expect(pull.body.data.pullTodo.documents).toHaveLength(500);
    expect(elapsed).toBeLessThan(NEIGHBOUR_SERVED_WITHIN_MS);
    for (const res of await Promise.all(flood)) expectTooLarge(res, 'operation selects 800 root fields');
  });
});
