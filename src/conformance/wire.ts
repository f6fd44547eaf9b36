import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { PullBulk } from '../sync/graphql-operations.ts';

/** A GraphQL error as it comes over the wire. */
export interface WireError {
  message?: unknown;
  extensions?: Record<string, unknown> | undefined;
}

/** An HTTP answer to a GraphQL POST, kept raw for the auth checks and parsed for the others. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

/** What the checks need to reach the server. */
export interface Wire {
  graphqlUrl: string;
  wsUrl: string | undefined;
  fetch: typeof fetch;
  timeoutMs: number;
  webSocketImpl: unknown;
}

/** A check that found the contract broken: its message is the report's reason. */
export class CheckFailed extends Error {}

/** The server did not answer at all (refused, reset, timed out): a failure of every check that needs it. */
export class NoAnswer extends CheckFailed {}

/** A check that cannot run with the given inputs (or on this server): its message says why. */
export class CheckSkipped extends Error {}

/** POSTs one GraphQL operation, with `Authorization: Bearer <token>` unless `token` is null. */
export async function postGraphQL(wire: Wire, token: string | null, query: string, variables: Record<string, unknown>): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  let res: Response;
  try {
    res = await wire.fetch(wire.graphqlUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(wire.timeoutMs),
    });
  } catch (error) {
    throw new NoAnswer(`no answer from ${wire.graphqlUrl}: ${describeError(error)}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The `data[field]` and `errors` of a GraphQL answer; fails on a non-200 or non-JSON answer. */
export function fieldOf(answer: HttpAnswer, field: string): { value: unknown; errors: WireError[] } {
  if (answer.status !== 200) throw new CheckFailed(`HTTP ${answer.status} to a valid request: ${clip(answer.text)}`);
  if (typeof answer.json !== 'object' || answer.json === null) throw new CheckFailed(`a non-JSON answer: ${clip(answer.text)}`);
  const body = answer.json as { data?: Record<string, unknown> | null; errors?: unknown };
  const errors = Array.isArray(body.errors) ? (body.errors as WireError[]) : [];
  const value = body.data ? body.data[field] : undefined;
  return { value, errors };
}

/** The first error messages of an answer, for a reason line. */
export function errorSummary(errors: readonly WireError[]): string {
  return errors
    .slice(0, 2)
    .map((e) => `${typeof e.message === 'string' ? e.message : 'error'}${typeof e.extensions?.['code'] === 'string' ? ` (${e.extensions['code']})` : ''}`)
    .join('; ');
}

/** How a stream connection ended, or what it said instead of data. */
export type StreamEnd =
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'errors'; errors: WireError[] }
  | { kind: 'completed' }
  | { kind: 'failed'; message: string };

/** One graphql-ws connection with one subscription, recording what it receives. */
export interface StreamConnection {
  /** Every `data` received, in order. */
  readonly received: Record<string, unknown>[];
  /** Errors the server sent next to (or instead of) data, without ending the subscription. */
  readonly errors: WireError[];
  /** Resolves when the server acknowledged the connection (`connection_ack`). */
  readonly connected: Promise<void>;
  /** Resolves when the subscription ends, saying how. */
  readonly ended: Promise<StreamEnd>;
  /** The first received `data` that passes `predicate`, or null after `ms`. */
  waitFor(predicate: (data: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

/**
 * Connects to the stream as the client does: `connectionParams: { authorization: 'Bearer <token>' }`,
 * no retries (a drop ends the connection), one subscription.
 */
export function openStream(wire: Wire, token: string, query: string): StreamConnection {
  if (!wire.wsUrl) throw new CheckSkipped('no stream URL given (--ws)');
  const received: Record<string, unknown>[] = [];
  const errors: WireError[] = [];
  const waiters = new Set<() => void>();
  let lastClose: { code: number; reason: string } | null = null;
  let resolveConnected!: () => void;
  const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
  let resolveEnded!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (resolveEnded = resolve));
  const client: Client = createClient({
    url: wire.wsUrl,
    webSocketImpl: quietWebSocket(wire.webSocketImpl),
    lazy: true,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const e = event as { code?: unknown; reason?: unknown };
        if (typeof e.code === 'number') lastClose = { code: e.code, reason: typeof e.reason === 'string' ? e.reason : '' };
      },
    },
  });
  client.subscribe<Record<string, unknown>>(
    { query },
    {
      next: (result) => {
        if (result.errors?.length) errors.push(...(result.errors as WireError[]));
        if (result.data) received.push(result.data);
        for (const wake of waiters) wake();
      },
      error: (error) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === 'number') {
          const reason = (error as { reason?: unknown }).reason;
          resolveEnded({ kind: 'closed', code, reason: typeof reason === 'string' ? reason : '' });
        } else if (Array.isArray(error)) resolveEnded({ kind: 'errors', errors: error as WireError[] });
        else if (lastClose) resolveEnded({ kind: 'closed', ...lastClose });
        else resolveEnded({ kind: 'failed', message: describeError(error) });
      },
      complete: () => resolveEnded({ kind: 'completed' }),
    },
  );
  return {
    received,
    errors,
    connected,
    ended,
    async waitFor(predicate, ms) {
      const deadline = Date.now() + ms;
      let seen = 0;
      let over = false;
      void ended.then(() => (over = true));
      for (;;) {
        for (; seen < received.length; seen++) if (predicate(received[seen]!)) return received[seen]!;
        const left = deadline - Date.now();
        if (left <= 0 || over) return null;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, left);
          waiters.add(done);
          void ended.then(done);
        });
      }
    },
    async close() {
      await client.dispose();
    },
  };
}

/** Resolves to the value, or to `fallback` after `ms`. */
export function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** A pull page's shape, or a failure naming what is wrong with it. */
export function asBulk(value: unknown, what: string): PullBulk {
  const bulk = value as PullBulk | null | undefined;
  if (!bulk || typeof bulk !== 'object' || !Array.isArray(bulk.documents)) throw new CheckFailed(`${what} is not { documents, checkpoint }: ${clip(JSON.stringify(value) ?? String(value))}`);
  if (bulk.documents.some((doc) => typeof doc !== 'object' || doc === null)) throw new CheckFailed(`${what} holds a document that is not an object`);
  return bulk;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause as { code?: unknown; message?: unknown } | undefined;
    const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
    return `${error.name}: ${error.message}${detail ? ` (${detail})` : ''}`;
  }
  return String(error);
}

export function clip(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// Node's `ws` reports a close during the handshake as an 'error' event after graphql-ws dropped its
// listener, which would crash the process: a permanent no-op listener keeps it harmless.
function quietWebSocket(impl: unknown): unknown {
  const Base = (typeof impl === 'function' ? impl : WebSocket) as new (...args: any[]) => { on?(event: string, listener: () => void): unknown };
  return class extends Base {
    constructor(...args: any[]) {
      super(...args);
      this.on?.('error', () => undefined);
    }
  };
}
