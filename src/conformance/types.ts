/**
 * The kinds of a document field the conformance check can fill with sample values.
 *
 * @example
 * ```ts
 * const fields: Record<string, ConformanceFieldKind> = { title: 'string', done: 'boolean' };
 * ```
 */
export type ConformanceFieldKind = 'string' | 'boolean' | 'number' | 'integer';

/**
 * A bearer access token, or a function that yields one (called once per run, before the checks).
 *
 * @example
 * ```ts
 * const token: TokenProvider = () => appServicesLogin({ baseUrl, appId, username, password });
 * ```
 */
export type TokenProvider = string | (() => string | Promise<string>);

/**
 * Options of {@link checkServer}.
 *
 * @example
 * ```ts
 * const options: CheckServerOptions = { graphqlUrl: 'https://sync.example.com/graphql', userA: tokenA, userB: tokenB };
 * ```
 */
export interface CheckServerOptions {
  /** The GraphQL endpoint the client POSTs pulls and pushes to. */
  graphqlUrl: string;
  /** The graphql-ws endpoint of the live stream; without it the stream and socket checks are skipped. */
  wsUrl?: string | undefined;
  /** The collection to check; default `todo` (operations `pullTodo`, `pushTodo`, `streamTodo`). */
  collection?: string;
  /**
   * The collection's own fields besides `id`, `updatedAt` and `deleted`; default the todo schema's
   * `{ title: 'string', done: 'boolean' }`. Each must accept any value of its kind.
   */
  fields?: Record<string, ConformanceFieldKind>;
  /** User A: writes the documents every check reads. */
  userA: TokenProvider;
  /** User B, another account: without it the ownership checks are skipped. */
  userB?: TokenProvider | undefined;
  /** An access token the server has let expire (any user); without it the `*.expired` checks are skipped. */
  expiredToken?: string | undefined;
  /** Per request and per stream wait; default 10 000 ms. */
  timeoutMs?: number;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** A WebSocket class for graphql-ws; default the `ws` package's. */
  webSocketImpl?: unknown;
  /** Names the run's document ids (`conformance-<runId>-…`); default random. */
  runId?: string;
  /** More secrets (passwords) to keep out of the report, besides the tokens. */
  secrets?: readonly string[];
}

/**
 * What a check found.
 *
 * @example
 * ```ts
 * const status: CheckStatus = 'skip';
 * ```
 */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/**
 * The groups of checks, in the order they run.
 *
 * @example
 * ```ts
 * const group: CheckGroup = 'pull';
 * ```
 */
export type CheckGroup = 'pull' | 'push' | 'ownership' | 'auth' | 'stream';

/**
 * One named point of the wire contract and what the server did.
 *
 * @example
 * ```ts
 * const result: CheckResult = { id: 'pull.ties', group: 'pull', title: 'ties of updatedAt across a page boundary', status: 'pass', reason: '7 documents…', durationMs: 41 };
 * ```
 */
export interface CheckResult {
  id: string;
  group: CheckGroup;
  title: string;
  status: CheckStatus;
  /** One line: why it passed, failed or was skipped. Never holds a token or a password. */
  reason: string;
  durationMs: number;
}

/**
 * The outcome of {@link checkServer}: every check, and whether the server's test documents were removed.
 *
 * @example
 * ```ts
 * const report = await checkServer(options);
 * if (!report.ok) console.log(formatReport(report));
 * ```
 */
export interface ConformanceReport {
  /** True when no check failed (skipped ones do not count). */
  ok: boolean;
  target: { graphqlUrl: string; wsUrl?: string; collection: string };
  runId: string;
  /** Every id the run wrote starts with this (`conformance-<runId>-`). */
  idPrefix: string;
  checks: CheckResult[];
  summary: { passed: number; failed: number; skipped: number };
  /** The run's documents are soft-deleted (`deleted: true`) at the end, as far as the server lets. */
  cleanup: { status: 'done' | 'partial' | 'nothing'; reason: string };
  durationMs: number;
}
