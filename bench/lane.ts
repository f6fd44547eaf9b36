// What every lane implements, and how a timed section's requests are counted (by the server).
import type { BenchServer, BenchUser } from './bench-server.ts';
import type { Todo } from './todo-fixture.ts';

/** Sizes shared by every lane of one run. */
export interface BatchSizes { pull: number; push: number }

/** One timed section: its duration and the sync requests the server saw during it. */
export interface Timing {
  ms: number;
  pulls: number;
  pushes: number;
  /** L4 only: login() called → session active (the auth round trip, outside `ms`). */
  loginMs?: number;
}

/** A way of syncing the todo collection, timed for the two scenarios. */
export interface Lane {
  /** Short id used in tables and ratios (L1…L4). */
  id: string;
  /** What the lane runs. */
  label: string;
  /** `user` has `n` documents on the server; pull them all into empty local state. */
  initialSync(user: BenchUser, n: number): Promise<Timing>;
  /** `user` has nothing on the server; `docs` are written locally first, then pushed. */
  backlogPush(user: BenchUser, docs: Todo[]): Promise<Timing>;
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
