import {
  GraphQLError, Kind, getOperationAST, parse, validate, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { MAX_LIMIT } from './sync-resolvers.ts';

/** Parsing stops past this many tokens, so no query text costs more than a small parse. */
export const MAX_QUERY_TOKENS = 10_000;
/** Root fields per operation, fragments spread in place and introspection included; a client sends one. */
export const MAX_ROOT_FIELDS = 10;
/** Fields per operation, fragments spread in place; the standard introspection query selects 220. */
export const MAX_SELECTED_FIELDS = 500;
/** Documents one operation may read: the sum of the `limit` arguments of its pull fields. */
export const MAX_DOCUMENTS_PER_OPERATION = 10_000;
/**
 * Document fields one operation may return: documents times the fields selected per document,
 * summed over pulls, pushes (their conflicts) and streams (an event carries at most one push's rows).
 * 500,000 is 10,000 documents of 50 fields, about 10 MB of JSON.
 */
export const MAX_DOCUMENT_FIELDS_PER_OPERATION = 500_000;
/** Rows one operation may push, over all its push fields (the body limit bounds their bytes). */
export const MAX_PUSH_ROWS_PER_OPERATION = 10_000;

/** `extensions.code` of an operation refused for its size before anything ran (HTTP 400). */
export const OPERATION_TOO_LARGE = 'OPERATION_TOO_LARGE';

/**
 * Whether `errors` refuse an operation for its size (rather than for being invalid).
 *
 * @example
 * if (isTooLarge(refusals)) stats.refusedOperations += 1;
 */
export const isTooLarge = (errors: readonly GraphQLError[]): boolean =>
  errors.some((error) => error.extensions.code === OPERATION_TOO_LARGE);

/** Beyond this many fields, counting stops: the operation is refused either way. */
const COUNT_CEILING = 100_000;

const refusal = (message: string, code = OPERATION_TOO_LARGE): GraphQLError =>
  new GraphQLError(message, { extensions: { code } });

const withCode = (error: GraphQLError, code: string): GraphQLError =>
  new GraphQLError(error.message, {
    nodes: error.nodes ?? null, source: error.source, positions: error.positions, path: error.path,
    originalError: error.originalError, extensions: { ...error.extensions, code },
  });

const number = (n: number): string => n.toLocaleString('en-US');
/** A field count, which stops at the ceiling. */
const fieldCount = (n: number): string => (n > COUNT_CEILING ? `more than ${number(COUNT_CEILING)}` : number(n));

const nameOf = (operation: OperationDefinitionNode): string =>
  operation.name ? `operation ${operation.name.value}` : 'operation';

/**
 * Parses and validates a query text and checks the bounds its text alone decides (root fields and
 * selected fields of every operation in it), before validation, whose cost grows with both. The
 * result depends on the text only, so callers may cache it. Every error carries `extensions.code`:
 * `GRAPHQL_VALIDATION_FAILED` or {@link OPERATION_TOO_LARGE}.
 *
 * @example
 * const prepared = prepareOperations(schema, '{ a: pullTodo(limit: 5) { checkpoint { id } } }');
 * if (!('kind' in prepared)) return refuse(prepared); // readonly GraphQLError[]
 */
export function prepareOperations(schema: GraphQLSchema, query: string): DocumentNode | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: MAX_QUERY_TOKENS });
  } catch (error) {
    const syntaxError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
    // graphql names the token limit in its message only ("Document contains more that 10000 tokens").
    if (/contains more th\w+ \d+ tokens/.test(syntaxError.message)) {
      return [refusal(`query has more than ${number(MAX_QUERY_TOKENS)} tokens; at most ${number(MAX_QUERY_TOKENS)} are allowed`)];
    }
    return [withCode(syntaxError, 'GRAPHQL_VALIDATION_FAILED')];
  }
  const fragments = fragmentsOf(document);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const tooLarge = shapeRefusal(definition, fragments);
    if (tooLarge) return [tooLarge];
  }
  const errors = validate(schema, document);
  return errors.length > 0 ? errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')) : document;
}

/**
 * Picks the operation to run from a prepared document and checks the bounds that depend on the
 * variables: documents read, document fields returned, rows pushed. A `limit` or `rows` that is
 * missing or of the wrong type is left to execution, which refuses it with `BAD_USER_INPUT`.
 *
 * @example
 * const admitted = admitOperation(schema, document, 'Pull', { limit: 100 });
 * if (!('kind' in admitted)) return refuse(admitted); // OPERATION_TOO_LARGE or BAD_REQUEST
 * admitted.operation; // 'query'
 */
export function admitOperation(
  schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined,
): OperationDefinitionNode | readonly GraphQLError[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [refusal('could not determine which operation to run', 'BAD_REQUEST')];
  const fragments = fragmentsOf(document);
  const values = { ...variableDefaults(operation), ...variables };
  const rootType = schema.getRootType(operation.operation);
  let documents = 0;
  let documentFields = 0;
  let pushRows = 0;
  for (const field of fieldsOf(operation.selectionSet, fragments)) {
    const definition = rootType?.getFields()[field.name.value];
    if (!definition) continue; // introspection: bounded by its field counts
    const takes = (name: string) => definition.args.some((arg) => arg.name === name);
    if (operation.operation === 'query' && takes('limit')) {
      const limit = argumentValue(field, 'limit', values);
      if (typeof limit !== 'number' || !Number.isInteger(limit)) continue;
      // A limit above MAX_LIMIT is refused by its resolver, so one field reads at most MAX_LIMIT.
      const read = Math.min(Math.max(limit, 0), MAX_LIMIT);
      documents += read;
      documentFields += read * fieldsPerDocument(field, fragments);
    } else if (operation.operation === 'mutation' && takes('rows')) {
      const rows = argumentValue(field, 'rows', values);
      const pushed = Array.isArray(rows) ? rows.length : rows == null ? 0 : 1;
      pushRows += pushed;
      documentFields += pushed * countFields(field.selectionSet, fragments, true);
    } else if (operation.operation === 'subscription') {
      documentFields += MAX_PUSH_ROWS_PER_OPERATION * fieldsPerDocument(field, fragments);
    }
  }
  const name = nameOf(operation);
  if (documents > MAX_DOCUMENTS_PER_OPERATION) {
    return [refusal(`${name} may return ${number(documents)} documents (sum of limit); at most ${number(MAX_DOCUMENTS_PER_OPERATION)}`)];
  }
  if (pushRows > MAX_PUSH_ROWS_PER_OPERATION) {
    return [refusal(`${name} pushes ${number(pushRows)} rows; at most ${number(MAX_PUSH_ROWS_PER_OPERATION)}`)];
  }
  if (documentFields > MAX_DOCUMENT_FIELDS_PER_OPERATION) {
    return [refusal(`${name} may return ${number(documentFields)} document fields (documents × fields selected per document); at most ${number(MAX_DOCUMENT_FIELDS_PER_OPERATION)}`)];
  }
  return operation;
}

function shapeRefusal(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): GraphQLError | null {
  const name = nameOf(operation);
  const roots = countFields(operation.selectionSet, fragments, false);
  if (operation.operation === 'subscription' && roots > 1) {
    return refusal(`${name} selects ${fieldCount(roots)} root fields; a subscription selects exactly one`);
  }
  if (roots > MAX_ROOT_FIELDS) return refusal(`${name} selects ${fieldCount(roots)} root fields; at most ${MAX_ROOT_FIELDS} are allowed`);
  const selected = countFields(operation.selectionSet, fragments, true);
  if (selected > MAX_SELECTED_FIELDS) {
    return refusal(`${name} selects ${fieldCount(selected)} fields (fragments expanded); at most ${MAX_SELECTED_FIELDS} are allowed`);
  }
  return null;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The fields of one selection set with fragment spreads and inline fragments in place (not their subfields). */
function* fieldsOf(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, spreading = new Set<string>()): Generator<FieldNode> {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      yield selection;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      yield* fieldsOf(selection.selectionSet, fragments, spreading);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // Unknown and cyclic spreads are left to validation, which names them.
      if (!fragment || spreading.has(name)) continue;
      spreading.add(name);
      yield* fieldsOf(fragment.selectionSet, fragments, spreading);
      spreading.delete(name);
    }
  }
}

/**
 * Fields of a selection set, fragments spread in place (a fragment spread twice counts twice), the
 * nested ones too when `nested`. Stops past {@link COUNT_CEILING}, so fragments that double at every
 * level cost no more than that.
 */
function countFields(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, nested: boolean): number {
  let total = 0;
  const walk = (selections: SelectionSetNode): void => {
    for (const field of fieldsOf(selections, fragments)) {
      if (total > COUNT_CEILING) return;
      total += 1;
      if (nested && field.selectionSet) walk(field.selectionSet);
    }
  };
  if (set) walk(set);
  return total;
}

/** Fields selected under the `documents` of a pull or stream bulk (all of them, when aliased twice). */
function fieldsPerDocument(bulk: FieldNode, fragments: Map<string, FragmentDefinitionNode>): number {
  if (!bulk.selectionSet) return 0;
  let total = 0;
  for (const field of fieldsOf(bulk.selectionSet, fragments)) {
    if (field.name.value === 'documents') total += countFields(field.selectionSet, fragments, true);
  }
  return total;
}

function variableDefaults(operation: OperationDefinitionNode): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  return defaults;
}

function argumentValue(field: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const argument = field.arguments?.find((arg) => arg.name.value === name);
  return argument ? valueFromASTUntyped(argument.value, variables) : undefined;
}
