import type { WakeReason } from '../../machines/session-events.ts';
import { systemClock, type Clock } from './clock.ts';

// One definition: the machine's `session.wake` event names the reasons this watcher reports.
export type { WakeReason };

/**
 * The part of `EventTarget` the watcher needs.
 *
 * @example
 * ```ts
 * const source: WakeEventSource = window;
 * ```
 */
export interface WakeEventSource {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

/**
 * The part of `document` the watcher needs: visibility changes.
 *
 * @example
 * ```ts
 * const doc: WakeDocument = document;
 * ```
 */
export interface WakeDocument extends WakeEventSource {
  readonly visibilityState: string;
}

/**
 * Where browser wake events come from. Defaults to the global `window` and `document` when they
 * exist (browsers); in Node both are absent and only the clock-jump timer runs.
 *
 * @example
 * ```ts
 * const target: WakeTarget = { window, document };
 * ```
 */
export interface WakeTarget {
  /** Fires `online`, `focus` and `pageshow`. */
  window?: WakeEventSource | undefined;
  /** Fires `visibilitychange`. */
  document?: WakeDocument | undefined;
}

/**
 * Options of {@link watchWakeSignals}.
 */
export interface WakeSignalOptions {
  /** Called once per signal; the session re-checks expiry. */
  onWake(reason: WakeReason): void;
  /** Wall clock used to detect jumps (suspend/resume, manual clock changes). Default: `Date.now`. */
  clock?: Clock;
  /** Event sources; default: the global window/document when present. */
  target?: WakeTarget;
  /** How often the clock-jump timer ticks. Default 10 s. */
  checkIntervalMs?: number;
  /** How far wall time may drift from the timer before it counts as a jump. Default 30 s. */
  jumpThresholdMs?: number;
}

const DEFAULT_CHECK_INTERVAL_MS = 10_000;
const DEFAULT_JUMP_THRESHOLD_MS = 30_000;

/**
 * Watches for the moments a sleeping app should re-check its session: the tab becoming visible,
 * the network coming back, the window gaining focus, a page restored from the back/forward cache,
 * and — everywhere, Node included — a wall-clock jump (the device slept, or its clock was changed),
 * detected by a coarse timer whose ticks suddenly span much more (or less) wall time than expected.
 *
 * @returns stop(): removes every listener and the timer.
 * @example
 * ```ts
 * const stop = watchWakeSignals({ onWake: (reason) => actor.send({ type: 'session.wake', reason }) });
 * // later
 * stop();
 * ```
 */
export function watchWakeSignals(opts: WakeSignalOptions): () => void {
  const clock = opts.clock ?? systemClock;
  const target = opts.target ?? defaultTarget();
  const interval = opts.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  const threshold = opts.jumpThresholdMs ?? DEFAULT_JUMP_THRESHOLD_MS;
  const cleanups: Array<() => void> = [];

  const listen = (source: WakeEventSource | undefined, type: string, handler: (event: Event) => void): void => {
    if (!source) return;
    source.addEventListener(type, handler);
    cleanups.push(() => source.removeEventListener(type, handler));
  };
  const doc = target.document;
  listen(doc, 'visibilitychange', () => {
    if (doc?.visibilityState === 'visible') opts.onWake('visibility');
  });
  listen(target.window, 'online', () => opts.onWake('online'));
  listen(target.window, 'focus', () => opts.onWake('focus'));
  // A page restored from the back/forward cache was frozen: as good as hidden until now.
  listen(target.window, 'pageshow', (event) => {
    if ((event as { persisted?: boolean }).persisted) opts.onWake('visibility');
  });

  let last = clock.now();
  const timer = setInterval(() => {
    const now = clock.now();
    const drift = now - last - interval;
    last = now;
    if (Math.abs(drift) > threshold) opts.onWake('clockJump');
  }, interval);
  // Never keep a Node process alive just to watch the clock.
  if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();
  cleanups.push(() => clearInterval(timer));

  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const cleanup of cleanups) cleanup();
  };
}

function defaultTarget(): WakeTarget {
  const g = globalThis as { addEventListener?: unknown; document?: WakeDocument };
  return {
    window: typeof g.addEventListener === 'function' ? (globalThis as unknown as WakeEventSource) : undefined,
    document: g.document && typeof g.document.addEventListener === 'function' ? g.document : undefined,
  };
}
