// Test harness: the real session machine with fake actors (plain async functions counting calls)
// and timing bound to Date.now, which vitest fake timers control.
import { vi } from 'vitest';
import { createActor, fromCallback, fromPromise } from 'xstate';
import { sessionMachine } from '../../machines/session.machine.ts';
import { createSessionTiming, sessionStateOf } from '../../machines/session-logic.ts';
import type {
  LogoutInput,
  RefreshResult,
  ReplicationCommand,
  ReplicationInput,
  RestoredSession,
  SessionEmitted,
  SessionFailure,
  SessionInfo,
  SessionInput,
} from '../../machines/session-events.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface HarnessOptions {
  restored?: () => RestoredSession | null;
  login?: (call: number, loginAs: (userId: string) => SessionInfo) => Promise<SessionInfo>;
  refresh?: (call: number, refreshed: () => RefreshResult) => Promise<RefreshResult>;
  logout?: (input: LogoutInput) => Promise<void>;
  input?: SessionInput;
  /** Lifetime of tokens the fake server issues. */
  lifetimeMs?: number;
  random?: () => number;
}

export const failure = (kind: SessionFailure['kind'], extra: Partial<SessionFailure> = {}): SessionFailure => ({
  kind,
  code: kind.toUpperCase(),
  message: `${kind} failure`,
  ...extra,
});

/** Starts the actor and lets the restore settle (requires vitest fake timers). */
export async function startHarness(options: HarnessOptions = {}) {
  const lifetimeMs = options.lifetimeMs ?? 30 * MINUTE;
  const calls = { restore: 0, login: 0, refresh: 0, logout: 0 };
  const refreshTriggers: Array<string | null> = [];
  // What the replication actor saw: opens (by user), commands, and closes, in order.
  const replication: string[] = [];
  let generation = 0;
  const refreshed = (): RefreshResult => ({
    accessExpiresAt: Date.now() + lifetimeMs,
    accessLifetimeMs: lifetimeMs,
    generation: ++generation,
  });
  const loginAs = (userId: string): SessionInfo => ({ userId, refreshExpiresAt: null, ...refreshed() });
  const timing = createSessionTiming({ now: () => Date.now(), random: options.random ?? (() => 0.5) });
  const machine = sessionMachine.provide({
    guards: timing.guards,
    delays: timing.delays,
    actors: {
      restoreSession: fromPromise(async () => {
        calls.restore++;
        const restored = options.restored?.() ?? null;
        if (restored) generation = restored.generation;
        return restored;
      }),
      login: fromPromise(async () => {
        calls.login++;
        return options.login ? options.login(calls.login, loginAs) : loginAs('user-1');
      }),
      refresh: fromPromise(async () => {
        calls.refresh++;
        refreshTriggers.push(actor.getSnapshot().context.refreshTrigger);
        if (options.refresh) {
          const result = await options.refresh(calls.refresh, refreshed);
          generation = result.generation;
          return result;
        }
        return refreshed();
      }),
      logout: fromPromise(async ({ input }) => {
        calls.logout++;
        await options.logout?.(input);
      }),
      replication: fromCallback<ReplicationCommand, ReplicationInput>(({ input, receive }) => {
        replication.push(`open ${input.userId}`);
        receive((command) => replication.push(command.type.replace('replication.', '')));
        return () => replication.push(`close ${input.userId}`);
      }),
    },
  });
  const actor = createActor(machine, { input: options.input ?? {} });
  const emitted: SessionEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  await vi.advanceTimersByTimeAsync(0);
  return {
    actor,
    calls,
    refreshTriggers,
    replication,
    emitted,
    refreshed,
    loginAs,
    nextGeneration: () => ++generation,
    state: () => sessionStateOf(actor.getSnapshot().value as string | Record<string, unknown>),
    context: () => actor.getSnapshot().context,
    emittedOf: <T extends SessionEmitted['type']>(type: T) => emitted.filter((e) => e.type === type),
  };
}
