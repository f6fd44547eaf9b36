import type { RefreshIntent } from './session-actors.ts';

/**
 * Why the facade asked for a refresh, parked for the refresh actor that request starts (which
 * takes it once): `adopt` when another tab wrote the store, `force` for `refreshCustomData`.
 * Nothing parked means a refresh the machine started itself.
 *
 * @example
 * ```ts
 * const intent = new RefreshIntentSlot();
 * createSessionActors({ ...deps, takeRefreshIntent: () => intent.take() }, writer);
 * intent.adopt(() => actor.send({ type: 'session.refreshRequested' }));
 * ```
 */
export class RefreshIntentSlot {
  #intent: RefreshIntent | null = null;

  /** For the refresh actor: the parked intent, at most once. */
  take(): RefreshIntent | null {
    const intent = this.#intent;
    this.#intent = null;
    return intent;
  }

  /** Parks `adopt` while `request` runs; the refresh it starts takes it synchronously. */
  adopt(request: () => void): void {
    this.#intent = 'adopt';
    request();
    this.#intent = null;
  }

  /** Parks `force` until `run` settles (it may first wait for the session to settle). */
  async force<T>(run: () => Promise<T>): Promise<T> {
    this.#intent = 'force';
    try {
      return await run();
    } finally {
      this.#intent = null;
    }
  }
}
