import { classifyFailure } from '../errors/classify-failure.ts';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import { SessionError, isSessionError } from '../errors/session-error.ts';
import { createAuthenticatedGraphQL } from '../graphql/authenticated-graphql.ts';
import type { GraphQLErrorInfo, TokenSource } from '../graphql/authenticated-graphql.ts';

export type { TokenSource };

/**
 * A 2xx GraphQL response whose only errors (if any) name a document.
 *
 * @example
 * ```ts
 * const { data, documentErrors }: SyncResponse = await transport.request(query, variables);
 * ```
 */
export interface SyncResponse {
  data: Record<string, unknown> | null;
  /** Per-document refusals (`extensions.documentId`); the other rows were applied. */
  documentErrors: GraphQLErrorInfo[];
}

/**
 * Options of {@link createSyncTransport}.
 */
export interface SyncTransportOptions {
  url: string;
  tokens: TokenSource;
  fetch?: typeof fetch;
  /** Per-request bound; a blackholed server must not hang a replication. Default 15 s. */
  timeoutMs?: number;
}

/**
 * Sends sync operations over HTTP; see {@link createSyncTransport}.
 *
 * @example
 * ```ts
 * const transport: SyncTransport = createSyncTransport({ url: graphqlUrl, tokens });
 * ```
 */
export interface SyncTransport {
  request(query: string, variables: Record<string, unknown>): Promise<SyncResponse>;
}

/**
 * The HTTP side of the replication, over the authenticated GraphQL client (token as a header,
 * never a variable; one refresh and one replay on a rejected token; every failure classified,
 * redacted, thrown as a `SessionError`). On top it splits a push response's per-document
 * refusals from request-level errors: only the latter fail the request. No retry happens here.
 *
 * @example
 * ```ts
 * const transport = createSyncTransport({ url: server.graphqlUrl, tokens });
 * const { data, documentErrors } = await transport.request(ops.push.query, ops.push.variables(rows));
 * ```
 */
export function createSyncTransport(opts: SyncTransportOptions): SyncTransport {
  const gql = createAuthenticatedGraphQL({
    url: opts.url,
    tokens: opts.tokens,
    timeoutMs: opts.timeoutMs ?? 15_000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  return {
    async request(query, variables) {
      const { data, errors } = await gql.execute<Record<string, unknown> | null>(query, variables);
      const documentErrors = errors.filter((error) => typeof error.extensions?.['documentId'] === 'string');
      if (documentErrors.length < errors.length) {
        const requestErrors = errors.filter((error) => !documentErrors.includes(error));
        throw SessionError.fromFailure(classifyFailure({ status: 200, body: { errors: requestErrors } }, 'data'));
      }
      return { data: typeof data === 'object' ? data : null, documentErrors };
    },
  };
}

/**
 * The classified failure behind anything a sync request threw.
 *
 * @example
 * ```ts
 * try { await transport.request(q, v); } catch (e) { if (failureOf(e).kind === 'transient') showOffline(); }
 * ```
 */
export function failureOf(error: unknown): ClassifiedFailure {
  if (isSessionError(error)) return error.toFailure();
  return classifyFailure({ thrown: error }, 'data');
}

/**
 * A classified protocol failure: the server answered, but not in the expected shape.
 *
 * @example
 * ```ts
 * if (!Array.isArray(conflicts)) throw protocolError('push response without a conflicts array');
 * ```
 */
export function protocolError(message: string): SessionError {
  return new SessionError('PROTOCOL', message, { kind: 'protocol' });
}
