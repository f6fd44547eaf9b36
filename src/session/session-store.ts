/**
 * The persisted session: everything needed to resume after a restart without a new login.
 * Holds tokens, so only a {@link SessionStore} ever sees it.
 *
 * @example
 * ```ts
 * const stored: StoredSession = { version: 1, userId: 'u1', accessToken, refreshToken,
 *   accessExpiresAt, refreshExpiresAt: null, customData: {} };
 * ```
 */
export interface StoredSession {
  version: 1;
  userId: string;
  accessToken: string;
  refreshToken: string | null;
  /** Local-clock epoch ms. */
  accessExpiresAt: number;
  /** Local-clock epoch ms, or null when the refresh token's expiry is unknown. */
  refreshExpiresAt: number | null;
  customData: Record<string, unknown>;
}

/**
 * Where the session is kept between runs. A corrupt or wrong-version stored value loads as `null`
 * (a fresh login), never throws at start.
 *
 * @example
 * ```ts
 * const store: SessionStore = memorySessionStore();
 * await store.save(session);
 * await store.load(); // the same session
 * ```
 */
export interface SessionStore {
  /**
   * Names what the store keeps (e.g. its localStorage key; never a secret). Clients on stores of the
   * same name are tabs of one session: they refresh under one lock and hear each other's writes.
   */
  readonly name?: string;
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Checks a parsed value against the {@link StoredSession} shape; returns a clean copy, or `null`.
 *
 * @example
 * ```ts
 * parseStoredSession(JSON.parse(text)) ?? startLoggedOut();
 * ```
 */
export function parseStoredSession(value: unknown): StoredSession | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (v['version'] !== 1) return null;
  if (typeof v['userId'] !== 'string' || v['userId'] === '') return null;
  if (typeof v['accessToken'] !== 'string' || v['accessToken'] === '') return null;
  if (v['refreshToken'] !== null && typeof v['refreshToken'] !== 'string') return null;
  if (!isTime(v['accessExpiresAt'])) return null;
  if (v['refreshExpiresAt'] !== null && !isTime(v['refreshExpiresAt'])) return null;
  const customData = v['customData'];
  if (typeof customData !== 'object' || customData === null || Array.isArray(customData)) return null;
  return {
    version: 1,
    userId: v['userId'],
    accessToken: v['accessToken'],
    refreshToken: v['refreshToken'],
    accessExpiresAt: v['accessExpiresAt'],
    refreshExpiresAt: v['refreshExpiresAt'],
    customData: customData as Record<string, unknown>,
  };
}
