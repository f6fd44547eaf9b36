import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schemaSdl } from '../../examples/server/graphql/schema-sdl.ts';
import { DEFAULT_COLLECTIONS } from '../../examples/server/sync/collections.ts';
import { defaultOperations, graphQLTypeName } from '../../src/sync/graphql-operations.ts';
import { noteSchema, todoSchema } from './support/sync-fixture.ts';

// The operations derived from an RxDB schema must be valid against a server that follows
// DESIGN.md's convention: validated here against the reference server's own SDL.
const serverSchema = buildSchema(schemaSdl(DEFAULT_COLLECTIONS));

describe('default GraphQL operations', () => {
  it.each([
    ['todo', todoSchema],
    ['note', noteSchema],
  ])('are valid against the server schema for %s', (name, schema) => {
    const ops = defaultOperations(name, schema);
    for (const query of [ops.pull.query, ops.push.query, ops.stream!.query]) {
      expect(validate(serverSchema, parse(query)).map((e) => e.message)).toEqual([]);
    }
  });

  it('select the schema’s fields plus deleted, and read the named roots', () => {
    const ops = defaultOperations('todo', todoSchema);
    expect(ops.pull.query).toContain('pullTodo(checkpoint: $checkpoint, limit: $limit)');
    expect(ops.pull.query).toContain('documents { id title done updatedAt deleted }');
    const bulk = { documents: [], checkpoint: { id: 'a', updatedAt: 1 } };
    expect(ops.pull.data({ pullTodo: bulk })).toBe(bulk);
    expect(ops.stream!.data({ streamTodo: bulk })).toBe(bulk);
    expect(ops.push.data({ pushTodo: [] })).toEqual([]);
  });

  it('send the first checkpoint as null and only schema fields in push rows', () => {
    const ops = defaultOperations('todo', todoSchema);
    expect(ops.pull.variables(undefined, 100)).toEqual({ checkpoint: null, limit: 100 });
    const vars = ops.push.variables([
      { newDocumentState: { id: 'a', title: 't', done: false, deleted: false, _meta: { lwt: 1 }, local: 'x' } },
    ]);
    expect(vars).toEqual({ rows: [{ assumedMasterState: null, newDocumentState: { id: 'a', title: 't', done: false, deleted: false } }] });
  });

  it('give nested objects a sub-selection', () => {
    const ops = defaultOperations('place', {
      version: 0, primaryKey: 'id', type: 'object', required: ['id'],
      properties: { id: { type: 'string', maxLength: 10 }, geo: { type: 'object', properties: { lat: { type: 'number' }, lng: { type: 'number' } } } },
    });
    expect(ops.pull.query).toContain('documents { id geo { lat lng } deleted }');
  });

  it('derive type names from collection names', () => {
    expect(graphQLTypeName('todo')).toBe('Todo');
    expect(graphQLTypeName('todo_item')).toBe('TodoItem');
    expect(graphQLTypeName('shoppingList')).toBe('ShoppingList');
  });
});
