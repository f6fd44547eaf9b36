import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/db.ts';
import type { ServerLogger } from '../server-logger.ts';

/** What was revoked: some sessions (logout, refresh-token reuse) or every session of a user (operator). */
export interface Revoked {
  sessionIds?: string[];
  userId?: string;
}

/** The NOTIFY channel every server process on one database listens on. */
export const REVOKED_CHANNEL = 'session_sync_revoked';

interface Notice extends Revoked {
  /** The process that revoked: it told its own listeners already, so it skips its own notice. */
  origin: string;
}

/**
 * Revokes sessions and tells every server process on the database: listeners in this process are
 * called as soon as the revoking statement commits, those in other processes when its NOTIFY arrives.
 * The revoking UPDATE and its NOTIFY are one statement, so no process misses a revocation that
 * committed. (Access tokens do not wait for the notice: each request reads its session row.)
 *
 * @example
 * const revocations = await SessionRevocations.start(db, logger);
 * revocations.onRevoked(({ userId, sessionIds }) => closeSockets(userId, sessionIds));
 * await revocations.revokeSession(db, sessionId, userId, clock.now());
 */
export class SessionRevocations {
  #origin = randomBytes(8).toString('hex');
  #listeners = new Set<(revoked: Revoked) => void>();
  #unlisten: () => Promise<void> = async () => {};
  #logger: ServerLogger;

  private constructor(logger: ServerLogger) {
    this.#logger = logger;
  }

  static async start(db: Db, logger: ServerLogger): Promise<SessionRevocations> {
    const revocations = new SessionRevocations(logger);
    revocations.#unlisten = await db.listen(REVOKED_CHANNEL, (payload) => revocations.#onNotice(payload));
    return revocations;
  }

  /** Calls `listener` after every revocation made by any process on the database; returns the unsubscribe function. */
  onRevoked(listener: (revoked: Revoked) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Revokes one session of `userId` if it is live; true when it was. */
  async revokeSession(db: Queryable, sessionId: string, userId: string, now: number): Promise<boolean> {
    const rows = await db.query(
      `with revoked as (update sessions set revoked_at = $1 where id = $2 and user_id = $3 and revoked_at is null returning id)
       select pg_notify($4, json_build_object('origin', $5::text, 'sessionIds', json_agg(id))::text) from revoked having count(*) > 0`,
      [now, sessionId, userId, REVOKED_CHANNEL, this.#origin]);
    if (rows.length > 0) this.#emit({ sessionIds: [sessionId] });
    return rows.length > 0;
  }

  /** Revokes every live session of `userId`; the notice names the user, not the sessions (a NOTIFY holds under 8 kB). */
  async revokeUser(db: Queryable, userId: string, now: number): Promise<void> {
    const rows = await db.query(
      `with revoked as (update sessions set revoked_at = $1 where user_id = $2 and revoked_at is null returning id)
       select pg_notify($3, json_build_object('origin', $4::text, 'userId', $2::text)::text) from revoked having count(*) > 0`,
      [now, userId, REVOKED_CHANNEL, this.#origin]);
    if (rows.length > 0) this.#emit({ userId });
  }

  async stop(): Promise<void> {
    await this.#unlisten();
    this.#listeners.clear();
  }

  #onNotice(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return this.#logger.warn('ignored a malformed revocation notice');
    }
    if (notice.origin === this.#origin) return;
    this.#emit(notice.userId !== undefined ? { userId: notice.userId } : { sessionIds: notice.sessionIds ?? [] });
  }

  #emit(revoked: Revoked): void {
    // A failing listener must neither break the revoking request nor starve the other listeners.
    for (const listener of this.#listeners) {
      try {
        listener(revoked);
      } catch (error) {
        this.#logger.error('a revocation listener failed', { error: String(error) });
      }
    }
  }
}
