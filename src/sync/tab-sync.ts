import { BehaviorSubject } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../platform/logger.ts';
import { silentLogger } from '../platform/logger.ts';
import type { PendingWrites } from './pending-writes.ts';
import type { SyncStatus } from './sync-engine.ts';
import type { MigrationProgress } from './schema-migration.ts';

/**
 * Which tab runs the replication of a database shared by several tabs (RxDB leader election).
 * `leader`: this one (also every single-tab app and Node). `follower`: another tab; the sync fields
 * are what it last reported. `noLeader`: another tab should, but none has answered for a while
 * (frozen, busy, or not elected yet): nothing syncs as far as this tab knows; writes stay local.
 *
 * @example
 * ```ts
 * if (client.status.syncTab === 'noLeader') showBanner('another tab of this app is not responding');
 * ```
 */
export type SyncTab = 'leader' | 'follower' | 'noLeader';

/**
 * A sync status and the tab it comes from.
 */
export type TabSyncStatus = SyncStatus & {
  tab: SyncTab;
  /** A schema migration while the user's database opens (sync starts once it is done). */
  migration?: MigrationProgress | null;
};

/**
 * What the tabs talk over: a `BroadcastChannel` (every other tab of the origin hears each message).
 */
export interface TabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/**
 * What the leader tab answers from: its replication, as the session drives it.
 *
 * @example
 * ```ts
 * tabs.lead({ status$: userSync.status$, awaitInSync: () => engine.awaitInSync(), pendingWrites: () => engine.pendingWrites() });
 * ```
 */
export interface TabLeader {
  /** Its status (null while the session has not started it yet). */
  status$: Observable<SyncStatus | null>;
  awaitInSync(): Promise<void>;
  pendingWrites(): Promise<Record<string, PendingWrites>>;
}

/**
 * Options of {@link TabSync}.
 *
 * @example
 * ```ts
 * new TabSync({ channel: new BroadcastChannel(`session-sync.sync:${db.name}`), answerTimeoutMs: 2_000 });
 * ```
 */
export interface TabSyncOptions {
  channel: TabChannel;
  /** A follower asks the leader this often (and repeats an unanswered question). Default 5 s. */
  probeMs?: number;
  /** No answer within this long: `noLeader`. Default 2 s. */
  answerTimeoutMs?: number;
  /** The leader re-counts writes other tabs made that its replication has not seen yet after this long, doubling to 5 s. Default 100 ms. */
  recheckMs?: number;
  logger?: Logger;
}

// Messages carry no token and no document: statuses, counts, and request ids only.
type Message =
  | { v: 1; kind: 'ask' }
  | { v: 1; kind: 'status'; status: SyncStatus | null }
  | { v: 1; kind: 'inSync?'; id: string }
  | { v: 1; kind: 'inSync'; id: string }
  | { v: 1; kind: 'pending?'; id: string }
  | { v: 1; kind: 'pending'; id: string; counts: Record<string, PendingWrites> };

/**
 * The sync protocol between the tabs of one user database. RxDB replicates in the leader tab only;
 * writes made in a follower land in the shared storage and the leader pushes them. The leader
 * publishes its status (on each change and when asked); a follower shows it, asks the leader
 * whether it is in sync and for the pending writes. The leader answers "in sync" only once its
 * replication is in sync *and* its count of pending writes, read from the shared storage, is zero:
 * so a follower's write made before the question is included even when RxDB's own cross-tab
 * message about it reaches the leader later. Unanswered questions are repeated (a new leader
 * answers them). Its only time source is timers (fake timers in tests).
 *
 * @example
 * ```ts
 * const tabs = new TabSync({ channel: new BroadcastChannel(`session-sync.sync:${db.name}`) });
 * tabs.status$.subscribe((view) => render(view?.tab, view?.sync));   // follower
 * await tabs.awaitInSync();
 * tabs.lead(leader);                                                 // once this tab is elected
 * ```
 */
export class TabSync {
  readonly #channel: TabChannel;
  readonly #probeMs: number;
  readonly #answerTimeoutMs: number;
  readonly #recheckMs: number;
  readonly #logger: Logger;
  readonly #view = new BehaviorSubject<TabSyncStatus | null>(null);
  readonly #waiting = new Map<string, (message: Message | null) => void>();
  readonly #answering = new Set<string>();
  #leader: TabLeader | null = null;
  #leaderStatus: SyncStatus | null = null;
  #subscription: Subscription | null = null;
  #silent = false;
  #heardSinceAsked = false;
  #probe: ReturnType<typeof setTimeout> | null = null;
  #silence: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(opts: TabSyncOptions) {
    this.#channel = opts.channel;
    this.#probeMs = opts.probeMs ?? 5_000;
    this.#answerTimeoutMs = opts.answerTimeoutMs ?? 2_000;
    this.#recheckMs = opts.recheckMs ?? 100;
    this.#logger = opts.logger ?? silentLogger;
    this.#channel.addEventListener('message', (event) => this.#receive(event.data));
    this.#ask();
  }

  /** A follower's view of the leader's status; null before its first report and once leading. */
  get status$(): Observable<TabSyncStatus | null> {
    return this.#view.asObservable();
  }

  /** This tab was elected: from now on it answers the others from `leader`. */
  lead(leader: TabLeader): void {
    if (this.#closed || this.#leader) return;
    this.#leader = leader;
    this.#stopTimers();
    this.#view.next(null);
    this.#subscription = leader.status$.subscribe((status) => {
      this.#leaderStatus = status;
      this.#post({ v: 1, kind: 'status', status });
    });
  }

  /**
   * Follower: resolves once the leader reports it is in sync, including every write this tab made
   * before the call (true). Waits as long as that takes (offline, paused, no leader); `signal` or
   * `close()` ends the wait (false).
   */
  async awaitInSync(signal?: AbortSignal): Promise<boolean> {
    return (await this.#request({ v: 1, kind: 'inSync?', id: newId() }, null, signal)) !== null;
  }

  /**
   * Follower: the leader's count of pending writes; when no leader answers within the answer
   * timeout, the counts of its last report (`oldestAt` unknown: null), or `{}` without one.
   */
  async pendingWrites(): Promise<Record<string, PendingWrites>> {
    const answer = await this.#request({ v: 1, kind: 'pending?', id: newId() }, this.#answerTimeoutMs);
    if (answer?.kind === 'pending') return answer.counts;
    const report = Object.entries(this.#leaderStatus?.collections ?? {});
    return Object.fromEntries(report.map(([name, status]) => [name, { count: status.pendingWrites, oldestAt: null }]));
  }

  /** Follower, at logout: lets the leader push for at most `timeoutMs`, then counts what stayed local. */
  async flush(timeoutMs: number): Promise<Record<string, PendingWrites>> {
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(), timeoutMs);
    await this.awaitInSync(bound.signal);
    clearTimeout(timer);
    return this.pendingWrites();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimers();
    this.#subscription?.unsubscribe();
    for (const settle of [...this.#waiting.values()]) settle(null);
    this.#view.complete();
    this.#channel.close();
  }

  // Sends `question` until its answer comes (a follower repeats it, so a new leader answers it too),
  // or `timeoutMs` passes (null), or the tab closes / `signal` aborts (null).
  #request(question: Message & { id: string }, timeoutMs: number | null, signal?: AbortSignal): Promise<Message | null> {
    return new Promise((resolve) => {
      let repeat: ReturnType<typeof setTimeout> | null = null;
      let timeout: ReturnType<typeof setTimeout> | null = null;
      const settle = (answer: Message | null): void => {
        if (!this.#waiting.has(question.id)) return;
        if (repeat) clearTimeout(repeat);
        if (timeout) clearTimeout(timeout);
        signal?.removeEventListener('abort', aborted);
        this.#waiting.delete(question.id);
        resolve(answer);
      };
      const aborted = (): void => settle(null);
      if (this.#closed || signal?.aborted) return resolve(null);
      signal?.addEventListener('abort', aborted);
      this.#waiting.set(question.id, settle);
      const send = (): void => {
        if (this.#leader) return;
        this.#post(question);
        repeat = setTimeout(send, this.#probeMs);
      };
      send();
      if (timeoutMs !== null) timeout = setTimeout(() => settle(null), timeoutMs);
    });
  }

  #receive(data: unknown): void {
    const message = data as Message;
    if (this.#closed || typeof message !== 'object' || message === null || message.v !== 1) return;
    if (this.#leader) return this.#answer(this.#leader, message);
    switch (message.kind) {
      case 'status':
        this.#leaderStatus = message.status;
        this.#heardSinceAsked = true;
        this.#silent = false;
        return this.#show();
      case 'inSync':
      case 'pending':
        this.#heard();
        return this.#waiting.get(message.id)?.(message);
      default:
        return;
    }
  }

  #answer(leader: TabLeader, message: Message): void {
    switch (message.kind) {
      case 'ask':
        return this.#post({ v: 1, kind: 'status', status: this.#leaderStatus });
      case 'inSync?':
        return void this.#answerInSync(leader, message.id);
      case 'pending?':
        return void leader.pendingWrites().then(
          (counts) => this.#post({ v: 1, kind: 'pending', id: message.id, counts }),
          (error: unknown) => this.#logger.warn('counting pending writes for another tab failed', { error: String((error as Error)?.name) }),
        );
      default:
        return;
    }
  }

  // In sync and nothing pending in the shared storage: RxDB may not have heard of the asking tab's
  // latest write yet (its own cross-tab message is unordered with ours), but the count reads it.
  async #answerInSync(leader: TabLeader, id: string): Promise<void> {
    if (this.#answering.has(id)) return;
    this.#answering.add(id);
    try {
      for (let delay = this.#recheckMs; ; delay = Math.min(delay * 2, MAX_RECHECK_MS)) {
        await leader.awaitInSync();
        const counts = await leader.pendingWrites();
        if (Object.values(counts).every((c) => c.count === 0)) break;
        if (this.#closed) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      this.#post({ v: 1, kind: 'inSync', id });
    } catch (error) {
      this.#logger.debug('answering another tab ended', { error: String((error as Error)?.name) });
    } finally {
      this.#answering.delete(id);
    }
  }

  // A follower asks every probeMs; no word from the leader within answerTimeoutMs: noLeader.
  #ask(): void {
    if (this.#closed || this.#leader) return;
    this.#heardSinceAsked = false;
    this.#post({ v: 1, kind: 'ask' });
    if (this.#silence) clearTimeout(this.#silence);
    this.#silence = setTimeout(() => {
      if (this.#heardSinceAsked || this.#silent) return;
      this.#silent = true;
      this.#logger.info('no leader tab answers; sync waits for one', { afterMs: this.#answerTimeoutMs });
      this.#show();
    }, this.#answerTimeoutMs);
    this.#probe = setTimeout(() => this.#ask(), this.#probeMs);
  }

  #heard(): void {
    this.#heardSinceAsked = true;
    if (!this.#silent) return;
    this.#silent = false;
    this.#show();
  }

  #show(): void {
    if (this.#leader || this.#closed) return;
    const status = this.#leaderStatus;
    if (!this.#silent) return this.#view.next(status ? { ...status, tab: 'follower' } : null);
    this.#view.next({ ...(status ?? NO_REPORT), sync: 'stalled', tab: 'noLeader' });
  }

  #post(message: Message): void {
    if (this.#closed) return;
    try {
      this.#channel.postMessage(message);
    } catch (error) {
      this.#logger.warn('telling the other tabs failed', { error: String((error as Error)?.name) });
    }
  }

  #stopTimers(): void {
    if (this.#probe) clearTimeout(this.#probe);
    if (this.#silence) clearTimeout(this.#silence);
    this.#probe = this.#silence = null;
  }
}

// A count that stays above zero while RxDB says in sync is re-read at most this rarely.
const MAX_RECHECK_MS = 5_000;

const NO_REPORT: SyncStatus = {
  sync: 'stalled', pendingWrites: 0, lastPulledAt: null, lastPushedAt: null,
  initialSync: { pulled: 0, done: false }, rejected: 0, lastError: null, collections: {},
};

function newId(): string {
  return globalThis.crypto.randomUUID();
}
