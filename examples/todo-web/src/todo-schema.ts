import type { RxJsonSchema } from 'rxdb';

/** A todo as the reference server's `todo` collection keeps it (`updatedAt` is the server's). */
export interface Todo {
  id: string;
  title: string;
  done: boolean;
  updatedAt?: number;
}

/** The device's copy of the `todo` collection (Dexie needs every indexed field required: none is indexed). */
export const todoSchema: RxJsonSchema<Todo> = {
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

/** A new id that sorts after every earlier one of this device: creation time, then randomness. */
export function newTodoId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${crypto.randomUUID().slice(0, 8)}`;
}
