import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RemoteChangeFeed, RemoteEvent } from './live-stream.ts';

/**
 * The remote change feed for servers without a live stream: asks the replication to pull from
 * its checkpoint every `intervalMs` while started.
 *
 * @example
 * ```ts
 * const feed = new PollFeed(30_000);
 * feed.events$.subscribe((event) => replication.emitEvent(event)); // 'RESYNC' every 30 s
 * feed.start();
 * ```
 */
export class PollFeed implements RemoteChangeFeed {
  readonly #events = new Subject<RemoteEvent>();
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  get events$(): Observable<RemoteEvent> {
    return this.#events.asObservable();
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#events.next('RESYNC'), this.#intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  reconnect(): void {
    this.#events.next('RESYNC');
  }
}
