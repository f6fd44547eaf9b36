import { classifyFailure } from '../errors/classify-failure.ts';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import { SessionError, isSessionError } from '../errors/session-error.ts';

/**
 * Where the replication gets the current access token (docs/internals.md). The client facade
 * implements it over the session's token vault; `get()` waits out a refresh in flight and throws
 * `RELOGIN_REQUIRED` when the session needs a new login.
 *
 * @example
 * ```ts
 * const tokens: TokenSource = { get: async () => ({ token, generation: 1 }), rejected() {}, accepted() {} };
 * ```
 */
export interface TokenSource {
  get(): Promise<{ token: string; generation: number }>;
  rejected(generation: number): void;
  accepted(generation: number): void;
}

/** One GraphQL error as servers send it. */
export interface GraphQLErrorEntry {
  message?: string;
  extensions?: { code?: string; documentId?: string; [key: string]: unknown };
}

/** A 2xx GraphQL response whose only errors (if any) name a document. */
export interface SyncResponse {
  data: Record<string, unknown> | null;
  /** Per-document refusals (`extensions.documentId`); the other rows were applied. */
  documentErrors: GraphQLErrorEntry[];
}

/** Options of {@link createSyncTransport}. */
export interface SyncTransportOptions {
  url: string;
  tokens: TokenSource;
  fetch?: typeof fetch;
  /** Per-request bound; a blackholed server must not hang a replication. Default 15 s. */
  timeoutMs?: number;
}

/** Sends sync operations over HTTP; see {@link createSyncTransport}. */
export interface SyncTransport {
  request(query: string, variables: Record<string, unknown>): Promise<SyncResponse>;
}

/**
 * The HTTP side of the replication: attaches the current access token as a header (never as a
 * variable), classifies every failure itself (RxDB drops HTTP status when it wraps handler errors)
 * and tells the token source which token generation was accepted or rejected. Failures are thrown
 * as `SessionError`s carrying the classification; no retry happens here.
 *
 * @example
 * ```ts
 * const transport = createSyncTransport({ url: server.graphqlUrl, tokens });
 * const { data } = await transport.request('query { pullTodo(limit: 10) { checkpoint { id } } }', {});
 * ```
 */
export function createSyncTransport(opts: SyncTransportOptions): SyncTransport {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let acceptedGeneration = -1;

  const fail = (failure: ClassifiedFailure, generation: number): never => {
    if (failure.kind === 'accessRejected') opts.tokens.rejected(generation);
    throw SessionError.fromFailure(failure);
  };

  return {
    async request(query, variables) {
      const { token, generation } = await opts.tokens.get();
      let status: number;
      let headers: Headers;
      let text: string;
      try {
        const response = await doFetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        headers = response.headers;
        text = await response.text();
      } catch (thrown) {
        return fail(classifyFailure({ thrown }, 'data'), generation);
      }
      const body = parseJson(text);
      if (status < 200 || status >= 300 || body === undefined) {
        return fail(classifyFailure({ status, headers, body: text }, 'data'), generation);
      }
      const errors = Array.isArray(body['errors']) ? (body['errors'] as GraphQLErrorEntry[]) : [];
      const requestErrors = errors.filter((error) => typeof error?.extensions?.documentId !== 'string');
      if (requestErrors.length > 0) {
        return fail(classifyFailure({ status, headers, body: { errors: requestErrors } }, 'data'), generation);
      }
      if (generation !== acceptedGeneration) {
        acceptedGeneration = generation;
        opts.tokens.accepted(generation);
      }
      const data = typeof body['data'] === 'object' ? (body['data'] as Record<string, unknown> | null) : null;
      return { data, documentErrors: errors.filter((error) => !requestErrors.includes(error)) };
    },
  };
}

/** The classified failure behind anything a sync request threw. */
export function failureOf(error: unknown): ClassifiedFailure {
  if (isSessionError(error)) return error.toFailure();
  return classifyFailure({ thrown: error }, 'data');
}

/** A classified protocol failure: the server answered, but not in the expected shape. */
export function protocolError(message: string): SessionError {
  return new SessionError('PROTOCOL', message, { kind: 'protocol' });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
