import { BehaviorSubject, combineLatest, map, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { removeRxDatabase } from 'rxdb';
import type { RxDatabase } from 'rxdb';
import type { ReplicationCommand } from '../../machines/session-events.ts';
import { SessionError, isSessionError } from '../errors/session-error.ts';
import { syncUnavailable } from '../errors/sync-unavailable.ts';
import { redactSecrets } from '../platform/redact.ts';
import { resolveWebSocket } from '../platform/web-socket.ts';
import type { PendingWrites } from './pending-writes.ts';
import type { MigrationProgress } from './schema-migration.ts';
import { SyncEngine } from './sync-engine.ts';
import type { SyncStatus } from './sync-engine.ts';
import type { ResolvedSyncOptions } from './sync-options.ts';
import type { SyncRuntime } from './sync-runtime.ts';
import { TabSync } from './tab-sync.ts';
import type { TabSyncStatus } from './tab-sync.ts';
import { openUserDatabase, userDatabaseName } from './user-database.ts';

/**
 * Writes of one collection that the server has not accepted yet.
 *
 * @example
 * ```ts
 * const info: PendingWritesInfo = { count: 3, oldestAgeMs: 86_400_000 }; // three writes, the oldest a day old
 * ```
 */
export interface PendingWritesInfo {
  count: number;
  /** Age of the oldest pending write in ms, or null when there is none. */
  oldestAgeMs: number | null;
}

/** What one user's sync is opened with. */
export interface UserSyncInput {
  options: ResolvedSyncOptions;
  runtime: SyncRuntime;
  userId: string;
  /** Resolves once databases closed earlier are closed (reopening the same name must wait). */
  after: Promise<void>;
}

/**
 * The sync of one signed-in user: their own database and its replication. The session's commands
 * run in order on one queue, after the database has opened. When sync cannot start (no WebSocket,
 * a storage that cannot open, a schema RxDB refuses) it says so loudly without breaking the
 * session: the status shows `error` with the `SYNC_UNAVAILABLE` cause, `awaitInSync` rejects with
 * it, the logger gets an error, and while the database is open a held replication that never sends
 * still counts the outbox (the session's commands then do nothing). In a browser tab that is not
 * the database's leader (RxDB replicates in one tab), status, `awaitInSync` and `pendingWrites` come from the leader
 * over {@link TabSync}; once this tab is elected, its own replication starts in the session's
 * current state (resumed or paused).
 */
export class UserSync {
  readonly userId: string;
  /** Resolves true once the database is open (usable offline), false when opening failed. */
  readonly opened: Promise<boolean>;
  /** Resolves with the replication once open (in a non-leader tab: once this tab leads), or null. */
  readonly engineOpened: Promise<SyncEngine | null>;
  /**
   * Resolves once it is known whether sync can start: null, or the `SYNC_UNAVAILABLE` error that
   * says why not. Where tabs elect a leader, known before the election (the WebSocket is checked first).
   */
  readonly startFailure: Promise<SessionError | null>;
  readonly #input: UserSyncInput;
  readonly #engine = new BehaviorSubject<SyncEngine | null>(null);
  readonly #failure = new BehaviorSubject<SessionError | null>(null);
  // RxDB's schema migration while the database opens; null otherwise.
  readonly #migration = new BehaviorSubject<MigrationProgress | null>(null);
  #settleStart: (failure: SessionError | null) => void = () => undefined;
  // When the replication cannot start but the database is open: held for good, it only counts the outbox.
  #counter: SyncEngine | null = null;
  // The replication opens held ('paused'); its status is shown once the session has said resume or pause.
  readonly #directed = new BehaviorSubject(false);
  // The other tabs, while this one follows (null: a database of one tab, or sync in Node).
  readonly #tabs = new BehaviorSubject<TabSync | null>(null);
  #wanted: 'resume' | 'pause' | null = null;
  #db: RxDatabase | null = null;
  #queue: Promise<void>;
  #running = false;
  #closing: Promise<Record<string, PendingWritesInfo>> | null = null;

  constructor(input: UserSyncInput) {
    this.#input = input;
    this.userId = input.userId;
    this.startFailure = new Promise((resolve) => (this.#settleStart = resolve));
    this.opened = this.#openDatabase();
    this.engineOpened = this.opened.then((ok) => (ok ? this.#openEngine() : null));
    this.#queue = this.engineOpened.then(() => undefined);
    void this.engineOpened.then(() => this.#settleStart(this.#failure.value));
  }

  /** Why sync cannot start (`SYNC_UNAVAILABLE`), or null: it can, or it is not known yet. */
  get failure(): SessionError | null {
    return this.#failure.value;
  }

  /** The open replication, or null while opening and after close. */
  get engine(): SyncEngine | null {
    return this.#engine.value;
  }

  /** The open replication now and whenever it changes (null while opening and after close). */
  get engine$(): Observable<SyncEngine | null> {
    return this.#engine.asObservable();
  }

  get database(): RxDatabase | null {
    return this.#closing ? null : this.#db;
  }

  /**
   * The replication's status and the tab running it; null while opening, before the session's
   * first command, and after close. In a follower tab: the leader's last report.
   */
  get status$(): Observable<TabSyncStatus | null> {
    return combineLatest([this.engine$, this.#directed, this.#tabs, this.#failure, this.#migration]).pipe(
      switchMap(([engine, directed, tabs, failure, migration]) => {
        if (migration && !engine && !failure) return of(migratingStatus(migration));
        if (failure) {
          const counter = this.#counter;
          return counter ? counter.status$.pipe(map((status) => failedStatus(status, failure))) : of(failedStatus(null, failure));
        }
        if (engine) return directed ? engine.status$.pipe(map((status) => ({ ...status, tab: 'leader' as const }))) : of(null);
        return tabs && !this.#closing ? tabs.status$ : of(null);
      }),
    );
  }

  /** Applies a session command, in order, once open. */
  command(command: ReplicationCommand): void {
    // A tab elected late applies the session's latest resume/pause, never a stale one in between.
    if (command.type === 'replication.resume') this.#wanted = 'resume';
    if (command.type === 'replication.pause') this.#wanted = 'pause';
    void this.#enqueue(async (engine) => {
      switch (command.type) {
        case 'replication.resume':
        case 'replication.pause':
          this.#running = this.#wanted === 'resume';
          await (this.#running ? engine.resume() : engine.pause());
          return this.#directed.next(true);
        case 'replication.reconnect':
          return engine.reconnect();
        case 'replication.wake':
          return engine.wake();
      }
    });
  }

  /**
   * Pending writes per collection, counted after the commands sent so far. In a follower tab the
   * leader counts; when none answers in time, the leader's last report (ages unknown). Rejects
   * with the `SYNC_UNAVAILABLE` error when the database could not be opened (it has no outbox).
   */
  async pendingWrites(): Promise<Record<string, PendingWritesInfo>> {
    if (!(await this.opened)) throw this.#failure.value ?? stopped();
    const tabs = this.#tabs.value;
    if (this.#engine.value || !tabs) return this.#ages(await this.#countOwn());
    // Queued only once elected: a follower's questions do not pile up behind the election.
    const own = this.engineOpened.then(() => this.#countOwn());
    return this.#ages(await Promise.race([own, tabs.pendingWrites()]));
  }

  /**
   * Resolves once in sync: everything local pushed (in a follower tab: also every write this tab
   * made before the call, pushed by the leader), everything remote pulled. Waits while paused or
   * offline. Rejects with the `SYNC_UNAVAILABLE` error when sync cannot start, `NOT_LOGGED_IN`
   * when this user's sync was closed meanwhile.
   */
  async awaitInSync(): Promise<void> {
    await this.opened;
    this.#throwIfFailed();
    const tabs = this.#tabs.value;
    if (!this.#engine.value && tabs) {
      // Whichever comes first: the leader's word, or this tab's own election.
      const elected = new AbortController();
      const inSync = await Promise.race([tabs.awaitInSync(elected.signal), this.engineOpened.then(() => false)]);
      elected.abort();
      if (inSync) return;
      // Closed while following: this tab will never be elected for this user.
      if (this.#closing) throw stopped();
    }
    const engine = await this.engineOpened;
    this.#throwIfFailed();
    if (!engine || this.#closing) throw stopped();
    await engine.awaitInSync();
  }

  /**
   * Stops syncing and closes the database; its outbox stays on disk unless `wipe`. With
   * `flushTimeoutMs`, a running replication first pushes what it can within that bound.
   * Resolves with what stayed local. Idempotent.
   */
  close(opts: { wipe: boolean; flushTimeoutMs?: number | undefined }): Promise<Record<string, PendingWritesInfo>> {
    this.#closing ??= (async () => {
      // Queued commands finish first; but a follower tab may never lead, so an unopened
      // replication is not waited for (it closes itself when it opens, see #openEngine).
      if ((await this.opened) && this.#engine.value) await this.#queue;
      const engine = this.#engine.value;
      let left: Record<string, PendingWrites> = {};
      if (engine) {
        try {
          const flush = opts.flushTimeoutMs !== undefined && this.#running;
          left = flush ? await engine.flush(opts.flushTimeoutMs!) : await engine.pendingWrites();
        } catch (error) {
          this.#warn('counting what stays local failed', error);
        }
        this.#engine.next(null);
        await engine.close();
      } else if (this.#counter) {
        // Sync never started, but the outbox it would have pushed is counted all the same.
        const counter = this.#counter;
        this.#counter = null;
        left = await counter.pendingWrites().catch((error: unknown) => {
          this.#warn('counting what stays local failed', error);
          return {};
        });
        await counter.close();
      } else if (this.#tabs.value) {
        // A follower: the leader tab pushes within the bound and counts the shared outbox.
        const flush = opts.flushTimeoutMs !== undefined && this.#wanted === 'resume';
        left = await (flush ? this.#tabs.value.flush(opts.flushTimeoutMs!) : this.#tabs.value.pendingWrites());
      }
      this.#tabs.value?.close();
      this.#tabs.complete();
      this.#engine.complete();
      this.#directed.complete();
      this.#failure.complete();
      this.#migration.complete();
      const db = this.#db;
      if (opts.wipe) {
        if (db) await db.remove();
        else await this.#removeUnopened();
        this.#input.runtime.logger.info('local database wiped', { userId: this.userId });
      } else {
        await db?.close();
      }
      return this.#ages(left);
    })();
    return this.#closing;
  }

  async #openDatabase(): Promise<boolean> {
    const { options, userId } = this.#input;
    await this.#input.after;
    try {
      this.#db = await openUserDatabase({
        storage: options.storage,
        databaseName: options.databaseName,
        userId,
        collections: options.collections,
        ...(options.tuning.multiInstance === undefined ? {} : { multiInstance: options.tuning.multiInstance }),
        onMigration: (progress) => this.#migration.next(progress),
      });
      this.#followTabs(this.#db);
      return true;
    } catch (error) {
      const consequence = 'nothing can be stored on this device for this user, so there is no outbox to count';
      this.#fail(syncUnavailable('the user database could not be opened', error, consequence));
      return false;
    }
  }

  // Separate from the database: with leader election, a follower tab waits here but can write.
  async #openEngine(): Promise<SyncEngine | null> {
    let webSocketImpl: unknown;
    try {
      webSocketImpl = this.#streams() ? await resolveWebSocket(this.#input.options.tuning.webSocketImpl) : undefined;
    } catch (error) {
      await this.#openCounter();
      this.#fail(isSessionError(error) ? error : syncUnavailable('no WebSocket implementation', error, 'local writes are kept'));
      return null;
    }
    // What can fail before an election has been checked: a tab that waits for it may report now.
    if (this.#tabs.value) this.#settleStart(null);
    let engine: SyncEngine | null = null;
    try {
      engine = new SyncEngine({ ...this.#engineOptions(), ...(webSocketImpl === undefined ? {} : { webSocketImpl }), database: this.#db! });
      await engine.open();
    } catch (error) {
      await engine?.close().catch(() => undefined);
      await this.#openCounter();
      const consequence = this.#counter ? 'local writes are kept and counted' : 'local writes are kept but cannot be counted';
      this.#fail(syncUnavailable('the replication did not start', error, consequence));
      return null;
    }
    if (this.#closing) {
      await engine.close();
      return null;
    }
    const opened = engine;
    this.#engine.next(opened);
    this.#tabs.value?.lead({
      status$: this.status$,
      awaitInSync: () => opened.awaitInSync(),
      pendingWrites: () => this.#countOwn(),
    });
    this.#input.runtime.logger.debug('user database syncing', { userId: this.userId });
    return opened;
  }

  // Whether any collection syncs over the live stream (and so needs a WebSocket).
  #streams(): boolean {
    const { wsUrl, collections } = this.#input.options;
    return wsUrl !== undefined && Object.values(collections).some((def) => !def.graphql || def.graphql.stream !== undefined);
  }

  // A replication that is never resumed sends nothing and needs no stream; it reads the outbox.
  async #openCounter(): Promise<void> {
    let counter: SyncEngine | null = null;
    try {
      counter = new SyncEngine({ ...this.#engineOptions(), wsUrl: undefined, database: this.#db! });
      await counter.open();
      if (this.#closing) await counter.close();
      else this.#counter = counter;
    } catch (error) {
      await counter?.close().catch(() => undefined);
      this.#warn('the outbox cannot be counted', error);
    }
  }

  // Loud: the status, every waiter, and the logger at error level hear the cause.
  #fail(failure: SessionError): void {
    this.#input.runtime.logger.error('sync cannot start for this user', { userId: this.userId, code: failure.code, error: failure.message });
    this.#failure.next(failure);
    this.#settleStart(failure);
  }

  #throwIfFailed(): void {
    const failure = this.#failure.value;
    if (failure) throw failure;
  }

  // Tabs sharing this database replicate in the elected one; the others follow it.
  #followTabs(db: RxDatabase): void {
    if (!db.multiInstance || this.#input.options.tuning.waitForLeadership === false) return;
    if (typeof BroadcastChannel !== 'function') return;
    this.#tabs.next(new TabSync({ channel: new BroadcastChannel(`session-sync.sync:${db.name}`), logger: this.#input.runtime.logger }));
  }

  async #countOwn(): Promise<Record<string, PendingWrites>> {
    let counts: Record<string, PendingWrites> | null = null;
    await this.#enqueue(async (engine) => {
      counts = await engine.pendingWrites();
    });
    if (counts) return counts;
    if (this.#counter) return this.#counter.pendingWrites();
    this.#throwIfFailed();
    return {};
  }

  #engineOptions(): Omit<ConstructorParameters<typeof SyncEngine>[0], 'database'> {
    const { options, runtime } = this.#input;
    const { tokens, fetch, clock, logger } = runtime;
    const { tuning } = options;
    return {
      collections: options.collections,
      graphqlUrl: options.graphqlUrl,
      wsUrl: options.wsUrl,
      tokens,
      fetch,
      clock,
      logger,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...definedOnly({
        webSocketImpl: tuning.webSocketImpl,
        pullIntervalMs: tuning.pullIntervalMs,
        pullBatchSize: tuning.pullBatchSize,
        pushBatchSize: tuning.pushBatchSize,
        maxRequestBytes: tuning.maxRequestBytes,
        waitForLeadership: tuning.waitForLeadership,
        retry: tuning.retry,
        stalledAfterMs: tuning.stalledAfterMs,
      }),
    };
  }

  #enqueue(run: (engine: SyncEngine) => Promise<void> | void): Promise<void> {
    const next = this.#queue.then(async () => {
      const engine = this.#engine.value;
      if (engine && !this.#closing) await run(engine);
    });
    this.#queue = next.catch((error: unknown) => this.#warn('sync command failed', error));
    return this.#queue;
  }

  async #removeUnopened(): Promise<void> {
    const { options, userId } = this.#input;
    await removeRxDatabase(await userDatabaseName(options.databaseName, userId), options.storage);
  }

  #ages(counts: Record<string, PendingWrites>): Record<string, PendingWritesInfo> {
    const now = this.#input.runtime.clock.now();
    return Object.fromEntries(
      Object.entries(counts).map(([name, { count, oldestAt }]) => [
        name,
        { count, oldestAgeMs: oldestAt === null ? null : Math.max(0, now - oldestAt) },
      ]),
    );
  }

  #warn(message: string, error: unknown): void {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.#input.runtime.logger.warn(message, { userId: this.userId, error: redactSecrets(detail) });
  }
}

// A sync that cannot start shows `error` with the cause; counts come from the held counter, if any.
function failedStatus(status: SyncStatus | null, failure: SessionError): TabSyncStatus {
  const lastError = failure.toFailure();
  const collections = Object.fromEntries(
    Object.entries(status?.collections ?? {}).map(([name, collection]) => [name, { ...collection, sync: 'error' as const, lastError }]),
  );
  return {
    pendingWrites: 0, lastPulledAt: null, lastPushedAt: null, initialSync: { pulled: 0, done: false }, rejected: 0,
    ...status,
    sync: 'error', lastError, collections, tab: 'leader',
  };
}

// Nothing syncs while RxDB migrates the database; the status says how far it has come.
function migratingStatus(migration: MigrationProgress): TabSyncStatus {
  return {
    sync: 'paused', pendingWrites: 0, lastPulledAt: null, lastPushedAt: null, initialSync: { pulled: 0, done: false },
    rejected: 0, lastError: null, collections: {}, tab: 'leader', migration,
  };
}

const stopped = (): SessionError =>
  new SessionError('NOT_LOGGED_IN', "this user's sync was closed: they logged out or another user signed in", { kind: 'rejected' });

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
