import { BehaviorSubject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import type { Clock } from '../platform/clock.ts';
import { systemClock } from '../platform/clock.ts';

/**
 * The state a sync status shows. `running`: replicating (or idle and in sync). `paused`: held by
 * the session (signed out, `refreshExpired`). `offline`: the server cannot be reached; retrying
 * with backoff. `stalled`: the server answers but no sync request has succeeded for `stalledAfterMs`.
 * `error`: the replication cannot start at all (no WebSocket, a storage that cannot open, a schema
 * RxDB refuses); `lastError` names the cause and nothing syncs until the app is fixed.
 *
 * @example
 * ```ts
 * if (status.sync === 'stalled') showBanner('sync is not making progress');
 * if (status.sync === 'error') report(status.lastError); // e.g. SYNC_UNAVAILABLE: no WebSocket …
 * ```
 */
export type SyncState = 'running' | 'paused' | 'offline' | 'stalled' | 'error';

/**
 * What the app can render about one collection's sync.
 *
 * @example
 * ```ts
 * sync.status$.subscribe((s) => render(`${s.sync}, ${s.pendingWrites} to upload`));
 * ```
 */
export interface CollectionSyncStatus {
  sync: SyncState;
  /** Local writes not yet accepted by the server (refused documents are counted in `rejected`). */
  pendingWrites: number;
  /** Local epoch ms of the last successful pull / push, or null. */
  lastPulledAt: number | null;
  lastPushedAt: number | null;
  initialSync: { pulled: number; done: boolean };
  rejected: number;
  lastError: ClassifiedFailure | null;
}

const OFFLINE_KINDS = new Set(['transient', 'rateLimited']);
// Failures any later success disproves (the server is reachable, the token accepted); the others
// (a refused request, a malformed answer) only a success of the same kind of request does.
const CONNECTION_KINDS = new Set(['transient', 'rateLimited', 'accessRejected']);

type Direction = 'pull' | 'push' | 'stream';

/**
 * Keeps a collection's {@link CollectionSyncStatus} from the events of its replication. Pure apart
 * from one timer, which decides `stalled`; time comes from the injected clock.
 *
 * @example
 * ```ts
 * const tracker = new SyncStatusTracker({ stalledAfterMs: 60_000 });
 * tracker.failed({ kind: 'transient', code: 'NETWORK', message: 'fetch failed' });
 * tracker.current.sync; // 'offline'
 * ```
 */
export class SyncStatusTracker {
  readonly #clock: Clock;
  readonly #stalledAfterMs: number;
  readonly #status: BehaviorSubject<CollectionSyncStatus>;
  #lastSuccessAt: number;
  #stallTimer: ReturnType<typeof setTimeout> | null = null;
  // Where `lastError` came from (undefined: not said), to know which success clears it.
  #errorDirection: Direction | undefined;

  constructor(opts: { clock?: Clock; stalledAfterMs?: number } = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#stalledAfterMs = opts.stalledAfterMs ?? 120_000;
    this.#lastSuccessAt = this.#clock.now();
    this.#status = new BehaviorSubject<CollectionSyncStatus>({
      sync: 'paused',
      pendingWrites: 0,
      lastPulledAt: null,
      lastPushedAt: null,
      initialSync: { pulled: 0, done: false },
      rejected: 0,
      lastError: null,
    });
  }

  get status$(): Observable<CollectionSyncStatus> {
    return this.#status.asObservable();
  }

  get current(): CollectionSyncStatus {
    return this.#status.getValue();
  }

  resumed(): void {
    this.#lastSuccessAt = this.#clock.now();
    this.#set({ sync: 'running' });
  }

  paused(): void {
    this.#clearStallTimer();
    this.#set({ sync: 'paused' });
  }

  /** A request succeeded: sync runs, and the failure it disproves is no longer shown. */
  succeeded(direction: 'pull' | 'push'): void {
    const now = this.#clock.now();
    this.#lastSuccessAt = now;
    this.#clearStallTimer();
    const sync = this.current.sync === 'paused' ? 'paused' : 'running';
    const lastError = this.#clearedBy(direction) ? null : this.current.lastError;
    this.#set(direction === 'pull' ? { sync, lastPulledAt: now, lastError } : { sync, lastPushedAt: now, lastError });
  }

  /** The live stream connected: the server is reachable and accepts the token. */
  connected(): void {
    this.#lastSuccessAt = this.#clock.now();
    this.#clearStallTimer();
    const lastError = this.#clearedBy('stream') ? null : this.current.lastError;
    this.#set(this.current.sync === 'paused' ? { lastError } : { sync: 'running', lastError });
  }

  /** A classified failure; `direction` (where it happened) decides which later success clears it. */
  failed(failure: ClassifiedFailure, direction?: Direction): void {
    this.#errorDirection = direction;
    if (this.current.sync === 'paused') {
      this.#set({ lastError: failure });
      return;
    }
    if (OFFLINE_KINDS.has(failure.kind)) {
      this.#clearStallTimer();
      this.#set({ sync: 'offline', lastError: failure });
      return;
    }
    this.#set({ sync: this.current.sync === 'offline' ? 'running' : this.current.sync, lastError: failure });
    this.#armStallTimer();
  }

  pulledInitially(count: number): void {
    const { initialSync } = this.current;
    if (!initialSync.done) this.#set({ initialSync: { pulled: initialSync.pulled + count, done: false } });
  }

  initialSyncDone(): void {
    this.#set({ initialSync: { pulled: this.current.initialSync.pulled, done: true } });
  }

  counts(counts: { pendingWrites?: number; rejected?: number }): void {
    this.#set(counts);
  }

  dispose(): void {
    this.#clearStallTimer();
    this.#status.complete();
  }

  #clearedBy(success: Direction): boolean {
    const error = this.current.lastError;
    if (!error) return false;
    if (CONNECTION_KINDS.has(error.kind)) return true;
    const from = this.#errorDirection;
    // A pull brings what the stream would have; a (re)connect proves the stream works again.
    return from === undefined || from === success || (from === 'stream' && success === 'pull');
  }

  #armStallTimer(): void {
    if (this.#stallTimer) return;
    const due = Math.max(0, this.#lastSuccessAt + this.#stalledAfterMs - this.#clock.now());
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = null;
      if (this.current.sync === 'running') this.#set({ sync: 'stalled' });
    }, due);
  }

  #clearStallTimer(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  #set(patch: Partial<CollectionSyncStatus>): void {
    const next = { ...this.current, ...patch };
    const prev = this.current;
    const changed = (Object.keys(patch) as (keyof CollectionSyncStatus)[]).some((key) => prev[key] !== next[key]);
    if (changed) this.#status.next(next);
  }
}
