import {
  GraphQLError, execute,
  type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema,
} from 'graphql';
import type { AuthenticatedUser } from '../auth/auth-service.ts';
import type { ServerLogger } from '../server-logger.ts';
import type { ServerStats } from '../stats.ts';
import { admitOperation, isTooLarge, prepareOperations } from './operation-bounds.ts';
import type { SyncContext } from './sync-resolvers.ts';

const CACHE_LIMIT = 500;
/** Longer query texts are prepared every time, so the cache stays small whatever clients send. */
const CACHEABLE_QUERY_LENGTH = 16_384;

/** An HTTP answer to a GraphQL request. */
export interface GraphQLReply { status: number; body: { data?: unknown; errors?: GraphQLFormattedError[] } }

const reply = (status: number, code: string, message: string): GraphQLReply =>
  ({ status, body: { errors: [{ message, extensions: { code } }] } });

/**
 * Runs GraphQL-over-HTTP requests with `graphql.execute`, each only once {@link prepareOperations}
 * and {@link admitOperation} let it (400 otherwise, before any resolver runs). Prepared documents
 * are cached by query text; the bounds that depend on variables are checked on every request.
 *
 * @example
 * const executor = new GraphQLExecutor(schema, rootValue, logger, stats);
 * const { status, body } = await executor.run({ query: '{ pullTodo(limit: 10) { checkpoint { id } } }' }, user);
 */
export class GraphQLExecutor {
  #schema: GraphQLSchema;
  #rootValue: unknown;
  #logger: ServerLogger;
  #stats: ServerStats;
  #cache = new Map<string, DocumentNode | readonly GraphQLError[]>();

  constructor(schema: GraphQLSchema, rootValue: unknown, logger: ServerLogger, stats: ServerStats) {
    this.#schema = schema;
    this.#rootValue = rootValue;
    this.#logger = logger;
    this.#stats = stats;
  }

  /** Answers one request body for an authenticated caller; never throws. */
  async run(body: unknown, user: AuthenticatedUser): Promise<GraphQLReply> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply(400, 'BAD_REQUEST', 'expected a JSON object with a "query" string');
    const { query, variables, operationName } = body as Record<string, unknown>;
    if (typeof query !== 'string') return reply(400, 'BAD_REQUEST', '"query" must be a string');
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return reply(400, 'BAD_REQUEST', '"variables" must be an object');
    if (operationName != null && typeof operationName !== 'string') return reply(400, 'BAD_REQUEST', '"operationName" must be a string');

    const document = this.#prepare(query);
    if (!('kind' in document)) return this.#refused(document);
    const operation = admitOperation(this.#schema, document, operationName ?? undefined, (variables ?? undefined) as Record<string, unknown> | undefined);
    if (!('kind' in operation)) return this.#refused(operation);
    if (operation.operation === 'subscription') {
      this.#stats.refusedOperations += 1;
      return reply(400, 'BAD_REQUEST', 'subscriptions run over the websocket at this path');
    }

    const context: SyncContext = { user, refusals: [] };
    let result: ExecutionResult;
    try {
      result = await execute({
        schema: this.#schema, document, rootValue: this.#rootValue, contextValue: context,
        variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
        operationName: operationName ?? undefined,
      });
    } catch (error) {
      this.#logger.error('graphql execution failed', { error: String(error) });
      return reply(500, 'INTERNAL_SERVER_ERROR', 'internal server error');
    }
    // No data at all means the variables did not fit the operation.
    if (!('data' in result) || result.data === undefined) {
      return { status: 400, body: { errors: (result.errors ?? []).map((e) => ({ ...e.toJSON(), extensions: { code: 'BAD_USER_INPUT' } })) } };
    }
    const errors = [...(result.errors ?? []), ...context.refusals].map((e) => this.#format(e));
    return { status: 200, body: errors.length > 0 ? { data: result.data, errors } : { data: result.data } };
  }

  #refused(errors: readonly GraphQLError[]): GraphQLReply {
    if (isTooLarge(errors)) this.#stats.refusedOperations += 1;
    return { status: 400, body: { errors: errors.map((e) => e.toJSON()) } };
  }

  #prepare(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = this.#cache.get(query);
    if (cached) return cached;
    const prepared = prepareOperations(this.#schema, query);
    if (query.length > CACHEABLE_QUERY_LENGTH) return prepared;
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(query, prepared);
    return prepared;
  }

  /** Resolver errors we raised keep their message; anything unexpected is logged and masked. */
  #format(error: GraphQLError): GraphQLFormattedError {
    const original = error.originalError;
    if (original === undefined || original instanceof GraphQLError) return error.toJSON();
    this.#logger.error('resolver failed', { path: error.path, error: String(original) });
    return { message: 'internal server error', ...(error.path ? { path: error.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
}
