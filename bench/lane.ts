// What every lane implements, and how a timed section's requests are counted (by the server).
import type { BenchServer, BenchUser } from './bench-server.ts';
import type { Todo } from './todo-fixture.ts';

/** Lane ids in tables and ratios. */
export type LaneId = 'L1' | 'L2' | 'L3' | 'L4' | 'L5';

/** One timed section: its duration and the sync requests the server saw during it. */
export interface Timing {
  ms: number;
  pulls: number;
  pushes: number;
  /** Library lanes: login() called → session active (the auth round trip, outside `ms`). */
  loginMs?: number;
}

/** One login → write one document → in sync → logout cycle. */
export interface CycleTiming {
  /** login called → first in sync (before the write). */
  loginToInSyncMs: number;
  /** The whole cycle, logout included. */
  totalMs: number;
}

/** One device that logs the same user in and out, again and again (state kept between cycles, as on a device). */
export interface Cycler {
  cycle(i: number): Promise<CycleTiming>;
  close(): Promise<void>;
}

/** Two devices of one user, both live: a write on `a` shows up on `b` through the live stream. */
export interface DevicePair {
  /** Resolves once `b` has the document (call before `write`). */
  seen(id: string): Promise<void>;
  /** Writes `doc` on `a`. */
  write(doc: Todo): Promise<void>;
  close(): Promise<void>;
}

/** A way of syncing the todo collection. */
export interface Lane {
  id: LaneId;
  /** What the lane runs. */
  label: string;
  /** `user` has `n` documents on the server; pull them all into empty local state. */
  initialSync(user: BenchUser, n: number): Promise<Timing>;
  /** `user` has nothing on the server; `docs` are written locally first, then pushed. */
  backlogPush(user: BenchUser, docs: Todo[]): Promise<Timing>;
  /** The login cycle (lanes without one are left out of that table). */
  cycler?(user: BenchUser): Promise<Cycler>;
  /** Write on one device → visible on another (lanes without a live stream are left out). */
  devicePair?(user: BenchUser): Promise<DevicePair>;
}

/**
 * Starts counting the server's pulls and pushes; the returned function stops the clock, takes the
 * counts and gives the timing. The clock starts when `start()` is called (defaults to now).
 */
export async function timedSection(server: BenchServer): Promise<{ start(at?: number): void; stop(): Promise<Timing> }> {
  const before = await server.stats();
  let startedAt = performance.now();
  return {
    start(at = performance.now()) {
      startedAt = at;
    },
    async stop() {
      const ms = performance.now() - startedAt;
      const after = await server.stats();
      return { ms, pulls: after.pulls - before.pulls, pushes: after.pushes - before.pushes };
    },
  };
}

/** Throws unless `actual` is `expected`: a lane that loses or doubles documents has no number. */
export function expectCount(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: ${actual} documents, expected ${expected}`);
}

/** Rejects after `ms` with `what` in the message: a lane that never gets there fails the run instead of hanging it. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
