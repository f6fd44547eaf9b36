import type { RxJsonSchema } from 'rxdb';

/**
 * The reference server's `todo` collection as a device keeps it, shared by the sync, e2e and browser
 * tests. Dexie needs every indexed field to be required (RxDB error DXE1); this schema indexes none.
 */
export const todoSchema: RxJsonSchema<any> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 600 },
    title: { type: 'string' },
    done: { type: 'boolean' },
    updatedAt: { type: 'number' },
  },
  required: ['id', 'title', 'done'],
};
