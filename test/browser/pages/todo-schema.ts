export { todoSchema } from '../../helpers/todo-schema.ts';
