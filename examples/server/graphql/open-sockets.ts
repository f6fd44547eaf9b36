import type { AuthenticatedUser } from '../auth/auth-service.ts';

/**
 * The authenticated sockets of this process, by user and by session: for the per-user socket cap
 * and for closing the sockets of a revoked session.
 *
 * @example
 * const sockets = new OpenSockets<WebSocket>();
 * sockets.add(ws, user);
 * ws.once('close', () => sockets.delete(ws));
 * for (const socket of sockets.matching({ userId })) socket.close(4401, 'session revoked');
 */
export class OpenSockets<S> {
  #users = new Map<S, AuthenticatedUser>();
  #byUser = new Map<string, Set<S>>();
  #bySession = new Map<string, Set<S>>();

  add(socket: S, user: AuthenticatedUser): void {
    this.#users.set(socket, user);
    addTo(this.#byUser, user.userId, socket);
    addTo(this.#bySession, user.sessionId, socket);
  }

  delete(socket: S): void {
    const user = this.#users.get(socket);
    if (!user) return;
    this.#users.delete(socket);
    deleteFrom(this.#byUser, user.userId, socket);
    deleteFrom(this.#bySession, user.sessionId, socket);
  }

  /** The user a socket authenticated as, or undefined before it did. */
  userOf(socket: S): AuthenticatedUser | undefined {
    return this.#users.get(socket);
  }

  /** How many sockets the user has open in this process. */
  countOf(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /** The sockets of any of `sessionIds`, and every socket of `userId`. */
  matching(revoked: { sessionIds?: readonly string[]; userId?: string }): S[] {
    const found = new Set<S>(revoked.userId === undefined ? [] : this.#byUser.get(revoked.userId));
    for (const sessionId of revoked.sessionIds ?? []) {
      for (const socket of this.#bySession.get(sessionId) ?? []) found.add(socket);
    }
    return [...found];
  }
}

function addTo<S>(index: Map<string, Set<S>>, key: string, socket: S): void {
  const sockets = index.get(key) ?? new Set<S>();
  sockets.add(socket);
  index.set(key, sockets);
}

function deleteFrom<S>(index: Map<string, Set<S>>, key: string, socket: S): void {
  const sockets = index.get(key);
  sockets?.delete(socket);
  if (sockets?.size === 0) index.delete(key);
}
