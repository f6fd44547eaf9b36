/**
 * Tells the other tabs (other clients on the same session store) that the store changed. The
 * message carries nothing but its name: receivers re-read the store, so no token ever travels here.
 *
 * @example
 * ```ts
 * const channel = openSessionBroadcast('my-app.session', () => void recheckStore());
 * channel?.notify(); // after each save or clear
 * ```
 */
export interface SessionBroadcast {
  /** Tells the other tabs to re-read the store. */
  notify(): void;
  close(): void;
}

const MESSAGE = 'session-sync.sessionChanged';

/**
 * Opens the channel of one session store; null where `BroadcastChannel` is missing. In a browser the
 * `storage` event of a localStorage key of that name is heard too (it needs no sender's help).
 *
 * @example
 * ```ts
 * const channel = openSessionBroadcast(store.name, onOtherTabWrote);
 * ```
 */
export function openSessionBroadcast(storeName: string, onChange: () => void): SessionBroadcast | null {
  if (typeof globalThis.BroadcastChannel !== 'function') return null;
  const channel = new BroadcastChannel(`session-sync.session:${storeName}`);
  channel.onmessage = (event: MessageEvent) => {
    if (event.data === MESSAGE) onChange();
  };
  // Node keeps the process alive while a channel is open; a session hint never should.
  (channel as { unref?: () => void }).unref?.();
  const target = typeof window === 'undefined' ? null : window;
  const onStorage = (event: StorageEvent): void => {
    if (event.key === storeName || event.key === null) onChange();
  };
  target?.addEventListener('storage', onStorage);
  let open = true;
  return {
    notify: () => {
      if (open) channel.postMessage(MESSAGE);
    },
    close: () => {
      open = false;
      target?.removeEventListener('storage', onStorage);
      channel.close();
    },
  };
}
