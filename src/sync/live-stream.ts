import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import { classifyFailure } from '../errors/classify-failure.ts';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import type { Logger } from '../platform/logger.ts';
import { silentLogger } from '../platform/logger.ts';
import type { PullBulk, StreamOperation } from './graphql-operations.ts';
import { retryDelay, Sleeper } from './retry-delay.ts';
import type { RetryPolicy } from './retry-delay.ts';
import { checkedBulk } from './server-documents.ts';
import { failureOf } from './sync-transport.ts';
import type { TokenSource } from './sync-transport.ts';

/**
 * What a replication's remote change feed emits: a page of server changes, or "pull from the checkpoint".
 *
 * @example
 * ```ts
 * feed.events$.subscribe((event) => (event === 'RESYNC' ? pullFromCheckpoint() : apply(event.documents)));
 * ```
 */
export type RemoteEvent = PullBulk | 'RESYNC';

/**
 * A source of remote changes that follows the replication's pause/resume.
 *
 * @example
 * ```ts
 * const feed: RemoteChangeFeed = wsUrl ? new LiveStream({ url: wsUrl, tokens, operation, onFailure }) : new PollFeed(30_000);
 * ```
 */
export interface RemoteChangeFeed {
  readonly events$: Observable<RemoteEvent>;
  /** Begins listening (idempotent). */
  start(): void;
  /** Stops listening and releases the connection (idempotent); `start()` may follow. */
  stop(): void;
  /** Reconnects now, e.g. after a token refresh, so the connection carries the current token. */
  reconnect(): void;
}

/**
 * Options of {@link LiveStream}.
 */
export interface LiveStreamOptions {
  url: string;
  tokens: TokenSource;
  operation: StreamOperation;
  onFailure(failure: ClassifiedFailure): void;
  /** A WebSocket class; default `globalThis.WebSocket` (the client passes `resolveWebSocket()`'s, `ws` on Node 20). */
  webSocketImpl?: unknown;
  retry?: RetryPolicy;
  /**
   * Ping interval; a socket whose pong does not come back within the same time, or a connect not
   * acknowledged within it, is dropped and retried (a dead route never errors on its own).
   * Default 15 s; 0 turns it off.
   */
  keepAliveMs?: number;
  logger?: Logger;
}

/**
 * The live subscription of one replication over graphql-ws: one client, at most one subscription.
 * The token travels in a `connectionParams` function, so every (re)connect carries the current
 * one; every connect emits `RESYNC` (changes missed while disconnected are pulled from the stored
 * checkpoint); a 4401/4403 close is reported as `accessRejected`. Reconnecting is done here, with
 * backoff, rather than by graphql-ws, so that a token refresh never adds a second subscription.
 *
 * @example
 * ```ts
 * const stream = new LiveStream({ url: server.wsUrl, tokens, operation: ops.stream!, onFailure, webSocketImpl: WebSocket });
 * stream.events$.subscribe((event) => replication.emitEvent(event));
 * stream.start();
 * ```
 */
export class LiveStream implements RemoteChangeFeed {
  readonly #events = new Subject<RemoteEvent>();
  readonly #opts: LiveStreamOptions;
  readonly #client: Client;
  readonly #sleeper = new Sleeper();
  readonly #logger: Logger;
  #running = false;
  #unsubscribe: (() => void) | null = null;
  #generation = -1;
  #failures = 0;
  #loop: Promise<void> | null = null;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #connecting = false;
  // The subscription in progress; `closedByUs` marks the socket reconnect() terminated.
  #current: { closedByUs: boolean } | null = null;

  constructor(opts: LiveStreamOptions) {
    this.#opts = opts;
    this.#logger = opts.logger ?? silentLogger;
    const keepAliveMs = opts.keepAliveMs ?? 15_000;
    this.#client = createClient({
      url: opts.url,
      lazy: true,
      retryAttempts: 0,
      keepAlive: keepAliveMs,
      ...(opts.webSocketImpl ? { webSocketImpl: withQuietHandshakeAbort(opts.webSocketImpl) } : {}),
      connectionParams: async () => {
        const { token, generation } = await opts.tokens.get();
        this.#generation = generation;
        // announceLive: a server that supports it sends one empty event once a subscription is live.
        return { authorization: `Bearer ${token}`, announceLive: true };
      },
      on: {
        connecting: () => {
          this.#connecting = true;
          clearTimeout(this.#connectTimer);
          // A dead route swallows the handshake: nothing would ever end this connect by itself.
          if (keepAliveMs > 0) this.#connectTimer = setTimeout(() => this.#client.terminate(), keepAliveMs);
        },
        connected: () => {
          this.#connecting = false;
          clearTimeout(this.#connectTimer);
          this.#failures = 0;
          this.#events.next('RESYNC');
        },
        ping: (received) => {
          if (received || keepAliveMs <= 0) return;
          clearTimeout(this.#pongTimer);
          // Terminate, not close(): a close handshake over a dead route would wait for an answer too.
          // The loop then reconnects and resyncs from the checkpoint.
          this.#pongTimer = setTimeout(() => this.#client.terminate(), keepAliveMs);
        },
        pong: (received) => {
          if (received) clearTimeout(this.#pongTimer);
        },
        closed: () => {
          this.#connecting = false;
          clearTimeout(this.#pongTimer);
          clearTimeout(this.#connectTimer);
        },
      },
    });
  }

  get events$(): Observable<RemoteEvent> {
    return this.#events.asObservable();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop ??= this.#run();
  }

  stop(): void {
    this.#running = false;
    this.#unsubscribe?.();
    // graphql-ws ends a released subscription only once its connect settles: end a pending one now.
    if (this.#connecting) this.#client.terminate();
    this.#sleeper.wake();
  }

  /**
   * Drops the socket so the next connect carries the current token. Our own close is not a
   * failure: nothing is reported (never `offline`, no error) and the subscription is made again
   * at once, without backoff. A stream that is backing off after a drop connects now too: the
   * caller has just heard from the server (a refresh succeeded).
   */
  reconnect(): void {
    if (this.#current) this.#current.closedByUs = true;
    this.#client.terminate();
    this.#sleeper.wake();
  }

  /** Stops for good and closes the socket. */
  async close(): Promise<void> {
    this.stop();
    clearTimeout(this.#pongTimer);
    clearTimeout(this.#connectTimer);
    await this.#loop;
    await this.#client.dispose();
    this.#events.complete();
  }

  // One subscription at a time: subscribe, wait for it to end, back off, subscribe again.
  async #run(): Promise<void> {
    try {
      while (this.#running) {
        const failure = await this.#subscribeOnce();
        if (!this.#running) break;
        if (failure) {
          this.#opts.onFailure(failure);
          const delay = retryDelay(this.#failures++, failure, this.#opts.retry);
          this.#logger.debug('sync stream disconnected', { kind: failure.kind, code: failure.code, retryInMs: Math.round(delay) });
          await this.#sleeper.sleep(delay);
        }
      }
    } finally {
      // No await between the last check and here, so a start() cannot slip in between.
      this.#loop = null;
    }
  }

  async #subscribeOnce(): Promise<ClassifiedFailure | null> {
    const { operation, tokens } = this.#opts;
    let authorization: string;
    try {
      // Checked before connecting: without a usable token there is nothing to connect with.
      const lease = await tokens.get();
      authorization = `Bearer ${lease.token}`;
    } catch (error) {
      return failureOf(error);
    }
    if (!this.#running) return null;
    const variables = operation.variables ? operation.variables({ authorization }) : {};
    return new Promise((resolve) => {
      let settled = false;
      // Ended by stop() or reconnect(): whatever graphql-ws reports next is our own doing, not a failure.
      let stopped = false;
      const current = { closedByUs: false };
      this.#current = current;
      const finish = (failure: ClassifiedFailure | null): void => {
        if (settled) return;
        settled = true;
        this.#unsubscribe = null;
        if (this.#current === current) this.#current = null;
        resolve(stopped || current.closedByUs ? null : failure);
      };
      const unsubscribe = this.#client.subscribe<Record<string, unknown>>(
        { query: operation.query, variables },
        {
          next: (result) => {
            if (result.errors?.length) {
              const failure = classifyFailure({ status: 200, body: { errors: result.errors } }, 'data');
              if (failure.kind === 'accessRejected') tokens.rejected(this.#generation);
              this.#opts.onFailure(failure);
              return;
            }
            try {
              const bulk = readBulk(operation, result.data);
              // An empty event says the subscription is live on the server: pull from the checkpoint
              // again, since the pull at connect may have run before it was (see docs/wire-protocol.md).
              this.#events.next(bulk.documents.length === 0 ? 'RESYNC' : bulk);
            } catch (error) {
              this.#opts.onFailure(failureOf(error));
            }
          },
          error: (error) => {
            const failure = closeFailure(error);
            if (failure.kind === 'accessRejected') tokens.rejected(this.#generation);
            finish(failure);
          },
          // The server ended the subscription: reconnect like after a drop.
          complete: () => finish(classifyFailure({ wsCloseCode: 1000 }, 'data')),
        },
      );
      this.#unsubscribe = () => {
        stopped = true;
        unsubscribe();
      };
      // stop() may have run while the token was being read.
      if (!this.#running) this.#unsubscribe();
    });
  }
}

function closeFailure(error: unknown): ClassifiedFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return classifyFailure({ wsCloseCode: code }, 'data');
  if (Array.isArray(error)) return classifyFailure({ status: 200, body: { errors: error } }, 'data');
  return failureOf(error);
}

function readBulk(operation: StreamOperation, data: Record<string, unknown> | null | undefined): PullBulk {
  return checkedBulk(data ? operation.data(data) : undefined, 'stream event');
}

// Node's `ws` reports a close during the handshake (our reconnect() right after a refresh) as an
// 'error' event one tick later, after graphql-ws has dropped its listener: an uncaught exception
// that kills the process. A permanent no-op listener keeps it harmless; graphql-ws still sees
// every error through its own `onerror` while it listens. Browsers' WebSocket never throws here.
function withQuietHandshakeAbort(impl: unknown): unknown {
  if (typeof impl !== 'function') return impl;
  const Base = impl as new (...args: any[]) => { on?(event: string, listener: () => void): unknown };
  return class extends Base {
    constructor(...args: any[]) {
      super(...args);
      this.on?.('error', () => undefined);
    }
  };
}
