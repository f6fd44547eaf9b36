import { SessionError } from '../../../src/errors/session-error.ts';
import type { TokenSource } from '../../../src/sync/sync-transport.ts';
import type { SyncServer } from '../../../examples/server/start-server.ts';
import { loginPath, request, SESSION_PATH, signedInUser } from '../../helpers/server-requests.ts';

/**
 * A token source over the reference server's real auth endpoints, standing in for the session
 * machine: one refresh per rejected generation (single-flight), `RELOGIN_REQUIRED` once the
 * refresh token is refused or the test expires the session.
 */
export class TestTokenSource implements TokenSource {
  readonly userId: string;
  generation = 1;
  refreshes = 0;
  /** Generations reported as rejected, in order (duplicates included). */
  readonly rejections: number[] = [];
  readonly accepted_: number[] = [];
  /** Every access and refresh token this source ever held, for leak checks. */
  readonly secrets: string[] = [];
  #server: SyncServer;
  #access: string;
  #refresh: string;
  #pending: Promise<void> | null = null;
  #reloginRequired = false;

  private constructor(server: SyncServer, userId: string, access: string, refresh: string) {
    this.#server = server;
    this.userId = userId;
    this.#access = access;
    this.#refresh = refresh;
    this.secrets.push(access, refresh);
  }

  /** Creates a fresh user on the server and logs it in. */
  static async forNewUser(server: SyncServer): Promise<TestTokenSource & { username: string; password: string }> {
    const user = await signedInUser(server);
    return Object.assign(new TestTokenSource(server, user.userId, user.accessToken, user.refreshToken), {
      username: user.username, password: user.password,
    });
  }

  /** The current access token, for assertions that it never leaks. */
  get currentToken(): string {
    return this.#access;
  }

  async get(): Promise<{ token: string; generation: number }> {
    if (this.#pending) await this.#pending;
    if (this.#reloginRequired) throw new SessionError('RELOGIN_REQUIRED', 'log in again', { kind: 'refreshRejected' });
    return { token: this.#access, generation: this.generation };
  }

  rejected(generation: number): void {
    this.rejections.push(generation);
    if (generation !== this.generation || this.#pending || this.#reloginRequired) return;
    this.#pending = this.#doRefresh().finally(() => {
      this.#pending = null;
    });
  }

  accepted(generation: number): void {
    this.accepted_.push(generation);
  }

  /** What the session does on `refreshExpired`: no token until a new login. */
  expireSession(): void {
    this.#reloginRequired = true;
  }

  /** A new login as the same user. */
  async relogin(username: string, password: string): Promise<void> {
    const login = await request(this.#server, 'POST', loginPath(this.#server), { username, password });
    if (login.status !== 200) throw new Error(`login failed with ${login.status}`);
    this.#access = login.body.access_token;
    this.#refresh = login.body.refresh_token;
    this.secrets.push(this.#access, this.#refresh);
    this.generation += 1;
    this.#reloginRequired = false;
  }

  async #doRefresh(): Promise<void> {
    this.refreshes += 1;
    const answer = await request(this.#server, 'POST', SESSION_PATH, undefined, this.#refresh);
    if (answer.status === 201) {
      this.#access = answer.body.access_token;
      this.secrets.push(this.#access);
      this.generation += 1;
    } else if (answer.status === 401) {
      this.#reloginRequired = true;
    }
  }
}

/** Bound for a beforeAll that starts the reference server: PGlite takes seconds on a loaded 2-core box. */
export const SERVER_START_MS = 120_000;
