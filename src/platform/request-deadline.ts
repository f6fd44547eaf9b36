/**
 * An abort signal for one request: aborted when the caller's signal aborts, or with a
 * `TimeoutError` once `timeoutMs` has passed (plain `setTimeout`, so fake timers drive it in tests).
 *
 * @example
 * ```ts
 * const deadline = requestDeadline(callerSignal, 30_000);
 * try {
 *   await fetch(url, { signal: deadline.signal });
 * } finally {
 *   deadline.dispose();
 * }
 * ```
 */
export interface RequestDeadline {
  readonly signal: AbortSignal;
  /** Clears the timer and stops listening to the caller's signal. */
  dispose(): void;
}

/**
 * Creates a {@link RequestDeadline}. `timeoutMs` of 0 (or less) means no timeout.
 *
 * @example
 * ```ts
 * const { signal, dispose } = requestDeadline(undefined, 5_000);
 * ```
 */
export function requestDeadline(caller: AbortSignal | undefined, timeoutMs: number): RequestDeadline {
  const controller = new AbortController();
  const follow = (): void => controller.abort(caller?.reason);
  if (caller?.aborted) follow();
  else caller?.addEventListener('abort', follow, { once: true });
  const timer =
    timeoutMs > 0 ? setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), timeoutMs) : undefined;
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', follow);
    },
  };
}
