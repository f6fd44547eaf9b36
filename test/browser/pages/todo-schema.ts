import type { RxJsonSchema } from 'rxdb';

/**
 * The `todo` collection of the reference server, as both the page and a Node device keep it. Dexie needs
 * every indexed field to be required (RxDB error DXE1); this schema indexes none.
 */
export const todoSchema: RxJsonSchema<any> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 100 },
    title: { type: 'string' },
    done: { type: 'boolean' },
    updatedAt: { type: 'number' },
  },
  required: ['id', 'title', 'done'],
};
