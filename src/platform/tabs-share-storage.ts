/**
 * The globals {@link tabsShareStorage} looks at (default: `globalThis`).
 */
export interface TabSharingEnvironment {
  BroadcastChannel?: unknown;
  navigator?: { locks?: { request?: unknown } };
  document?: unknown;
  process?: { versions?: { node?: string } };
}

/**
 * True where several tabs (or windows, workers) of the app can share one user database, so RxDB's
 * `multiInstance` with leader election is worth it: `BroadcastChannel` and Web Locks
 * (`navigator.locks`) are present, and it is not a Node process without a document. Elsewhere RxDB
 * would fall back to a file-based election (~400 ms per start) and install process `unload`
 * handlers for nothing: the default of `sync.multiInstance` is this value.
 *
 * @example
 * ```ts
 * tabsShareStorage();                                      // true in a browser, false in Node
 * tabsShareStorage({ BroadcastChannel, navigator: {} });  // false: no Web Locks
 * ```
 */
export function tabsShareStorage(env: TabSharingEnvironment = globalThis as TabSharingEnvironment): boolean {
  if (typeof env.BroadcastChannel !== 'function') return false;
  if (typeof env.navigator?.locks?.request !== 'function') return false;
  // Node may gain Web Locks, but a Node process has no tabs (Electron renderers have a document).
  const nodeProcess = typeof env.process?.versions?.node === 'string' && env.document === undefined;
  return !nodeProcess;
}
