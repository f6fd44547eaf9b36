import { classifyFailure, type ClassifiedFailure } from '../errors/classify-failure.ts';
import { SessionError } from '../errors/session-error.ts';
import { redactSecrets } from '../platform/redact.ts';
import { requestDeadline } from '../platform/request-deadline.ts';

/**
 * Where the GraphQL client gets its access token, and where it reports what the server thought of
 * it. Implemented by the client facade over the session machine.
 *
 * @example
 * ```ts
 * const tokens: TokenSource = {
 *   get: async () => ({ token: vault.accessToken, generation: vault.generation }),
 *   rejected: (generation) => actor.send({ type: 'session.accessRejected', generation }),
 *   accepted: (generation) => actor.send({ type: 'session.accessAccepted', generation }),
 * };
 * ```
 */
export interface TokenSource {
  /**
   * The current token; waits out a refresh in flight; throws `RELOGIN_REQUIRED` when there is none.
   * `userId`, when known, names whose token it is (sync takes only its own user's).
   */
  get(): Promise<{ token: string; generation: number; userId?: string }>;
  /** A request made with that generation's token was rejected as unauthenticated. */
  rejected(generation: number): void;
  /** A request made with that generation's token succeeded (called per success; dedupe upstream). */
  accepted(generation: number): void;
}

/**
 * One entry of a GraphQL response's `errors`.
 *
 * @example
 * ```ts
 * const refusal: GraphQLErrorInfo = { message: 'not yours', extensions: { code: 'FORBIDDEN', documentId: 'd1' } };
 * ```
 */
export interface GraphQLErrorInfo {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/**
 * Data together with the errors a server returned next to it (e.g. per-document push refusals).
 *
 * @example
 * ```ts
 * const { data, errors }: GraphQLResult<PushResult> = await gql.execute(PUSH, { rows });
 * ```
 */
export interface GraphQLResult<T> {
  data: T;
  errors: GraphQLErrorInfo[];
}

/**
 * Options of {@link createAuthenticatedGraphQL}.
 */
export interface AuthenticatedGraphQLOptions {
  url: string;
  tokens: TokenSource;
  fetch?: typeof fetch;
  /** Per attempt. Default 30 s; 0 disables. */
  timeoutMs?: number;
  /** Extra request headers (never put a token here: it would not be refreshed). */
  headers?: Record<string, string>;
}

/**
 * Per-request options.
 *
 * @example
 * ```ts
 * await gql.request(QUERY, {}, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface GraphQLRequestOptions {
  signal?: AbortSignal;
}

/**
 * A GraphQL-over-HTTP client that keeps its token fresh; see {@link createAuthenticatedGraphQL}.
 *
 * @example
 * ```ts
 * const gql: AuthenticatedGraphQL = createAuthenticatedGraphQL({ url, tokens });
 * ```
 */
export interface AuthenticatedGraphQL {
  /** Resolves with `data`; any GraphQL error rejects with a classified {@link SessionError}. */
  request<T>(document: string, variables?: object, opts?: GraphQLRequestOptions): Promise<T>;
  /** Resolves with `data` and any errors next to it; rejects only when there is no data. */
  execute<T>(document: string, variables?: object, opts?: GraphQLRequestOptions): Promise<GraphQLResult<T>>;
}

type Attempt<T> = { ok: true; result: GraphQLResult<T> } | { ok: false; failure: ClassifiedFailure; cause?: unknown };

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Creates a GraphQL client that sends the access token as `Authorization: Bearer …` (never as a
 * variable), classifies every failure (HTTP status, `UNAUTHENTICATED` with HTTP 200, network errors,
 * timeouts, cut-off bodies), and on an access-token rejection reports it, takes the next token and
 * replays the request exactly once. Errors carry neither the token nor the variables.
 *
 * @example
 * ```ts
 * const gql = createAuthenticatedGraphQL({ url: 'https://api.example.com/graphql', tokens });
 * const { pullTodo } = await gql.request<{ pullTodo: TodoPullBulk }>(PULL_TODO, { checkpoint, limit: 100 });
 * ```
 */
export function createAuthenticatedGraphQL(opts: AuthenticatedGraphQLOptions): AuthenticatedGraphQL {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function attempt<T>(token: string, body: string, signal: AbortSignal | undefined): Promise<Attempt<T>> {
    const deadline = requestDeadline(signal, timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(opts.url, {
        method: 'POST',
        headers: {
          ...opts.headers,
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${token}`,
        },
        body,
        signal: deadline.signal,
      });
      text = await response.text();
    } catch (thrown) {
      return { ok: false, failure: classifyFailure({ thrown }, 'data'), cause: thrown };
    } finally {
      deadline.dispose();
    }
    return interpret<T>(response, text);
  }

  async function execute<T>(document: string, variables?: object, requestOpts: GraphQLRequestOptions = {}): Promise<GraphQLResult<T>> {
    const body = JSON.stringify(variables === undefined ? { query: document } : { query: document, variables });
    let { token, generation } = await opts.tokens.get();
    const used = [token];
    let outcome = await attempt<T>(token, body, requestOpts.signal);
    if (!outcome.ok && outcome.failure.kind === 'accessRejected') {
      opts.tokens.rejected(generation);
      ({ token, generation } = await opts.tokens.get());
      used.push(token);
      outcome = await attempt<T>(token, body, requestOpts.signal);
      if (!outcome.ok && outcome.failure.kind === 'accessRejected') opts.tokens.rejected(generation);
    }
    if (!outcome.ok) throw toError(outcome.failure, used, variables, outcome.cause);
    opts.tokens.accepted(generation);
    return outcome.result;
  }

  return {
    execute,
    async request<T>(document: string, variables?: object, requestOpts?: GraphQLRequestOptions): Promise<T> {
      const { data, errors } = await execute<T>(document, variables, requestOpts);
      if (errors.length > 0) throw toError(classifyFailure({ status: 200, body: { errors } }, 'data'), [], variables);
      return data;
    },
  };
}

function interpret<T>(response: Response, text: string): Attempt<T> {
  const signal = { status: response.status, headers: response.headers, body: text };
  if (!response.ok) return { ok: false, failure: classifyFailure(signal, 'data') };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, failure: classifyFailure(signal, 'data') };
  }
  const errors = readErrors(json);
  if (errors.length > 0) {
    const failure = classifyFailure({ status: response.status, headers: response.headers, body: { errors } }, 'data');
    if (failure.kind === 'accessRejected') return { ok: false, failure };
    const data = (json as { data?: unknown }).data;
    if (data === null || data === undefined) return { ok: false, failure };
    return { ok: true, result: { data: data as T, errors } };
  }
  const data = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (data === null || data === undefined) {
    return { ok: false, failure: { kind: 'protocol', code: 'PROTOCOL', message: 'GraphQL response has neither data nor errors', status: response.status } };
  }
  return { ok: true, result: { data: data as T, errors: [] } };
}

function readErrors(json: unknown): GraphQLErrorInfo[] {
  const raw = typeof json === 'object' && json !== null ? (json as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(raw)) return [];
  return raw.map((entry: unknown) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const info: GraphQLErrorInfo = { message: typeof e['message'] === 'string' ? e['message'] : 'GraphQL error' };
    if (Array.isArray(e['path'])) info.path = e['path'] as Array<string | number>;
    if (typeof e['extensions'] === 'object' && e['extensions'] !== null) info.extensions = e['extensions'] as Record<string, unknown>;
    return info;
  });
}

/** The thrown error: classified, with the token and any variable value the server echoed blanked out. */
function toError(failure: ClassifiedFailure, secrets: readonly string[], variables: object | undefined, cause?: unknown): SessionError {
  const message = redactSecrets(failure.message, [...secrets, ...stringLeaves(variables)]);
  return SessionError.fromFailure({ ...failure, message }, cause);
}

function stringLeaves(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') {
    out.push(value);
  } else if (typeof value === 'object' && value !== null && depth < 8 && out.length < 200) {
    for (const item of Object.values(value)) stringLeaves(item, out, depth + 1);
  }
  return out;
}
