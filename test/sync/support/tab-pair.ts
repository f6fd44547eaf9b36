import { BehaviorSubject } from 'rxjs';
import type { PendingWrites } from '../../../src/sync/pending-writes.ts';
import type { SyncStatus } from '../../../src/sync/sync-engine.ts';
import type { TabLeader } from '../../../src/sync/tab-sync.ts';

let channels = 0;

/** A BroadcastChannel name no other test uses (Node's BroadcastChannel reaches every channel of a name in the process). */
export function channelName(): string {
  return `session-sync.sync:test-${process.pid}-${++channels}`;
}

/** A running, in-sync status with `pendingWrites` pending, as a leader's replication reports it. */
export function runningStatus(pendingWrites = 0): SyncStatus {
  const todo = {
    sync: 'running' as const, pendingWrites, lastPulledAt: 1_000, lastPushedAt: 2_000,
    initialSync: { pulled: 4, done: true }, rejected: 0, lastError: null,
  };
  return { ...todo, collections: { todo } };
}

/**
 * The leader tab's side as the protocol sees it: a status stream, RxDB's `awaitInSync` (which may
 * resolve before RxDB heard of another tab's write) and the exact count of pending writes read
 * from the shared storage (which includes it). The test moves them.
 */
export class ScriptedLeader implements TabLeader {
  readonly status = new BehaviorSubject<SyncStatus | null>(runningStatus());
  readonly status$ = this.status.asObservable();
  /** Pending writes in the shared storage, by collection. */
  pending: Record<string, PendingWrites> = { todo: { count: 0, oldestAt: null } };
  /** Resolves RxDB's "in sync" when set; null: RxDB's awaitInSync waits (offline, paused). */
  rxInSync: Promise<void> | null = Promise.resolve();
  counted = 0;
  /** Questions "in sync?" that reached this leader. */
  asked = 0;

  awaitInSync(): Promise<void> {
    this.asked++;
    return this.rxInSync ?? new Promise(() => undefined);
  }

  async pendingWrites(): Promise<Record<string, PendingWrites>> {
    this.counted++;
    return structuredClone(this.pending);
  }
}

/**
 * Waits for a condition another tab's message makes true, turning the event loop (messages are
 * delivered there) without touching timers, so fake timers stay where the test put them.
 */
export async function arrived(check: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the message did not arrive');
}
