import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerClock } from '../clock.ts';
import type { Db } from '../db/db.ts';
import type { ServerStats } from '../stats.ts';
import { AuthError } from './auth-error.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { TokenRejected, type TokenSigner } from './token-signer.ts';

/** Token lifetimes and the rotation switch. */
export interface AuthConfig {
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** Issue a new refresh token on every refresh; presenting a replaced one revokes the whole session. */
  rotateRefreshTokens: boolean;
  /** scrypt cost N for new password hashes. */
  scryptCost: number;
}

/** A verified access token's subject. */
export interface AuthenticatedUser {
  userId: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

const newId = (): string => randomBytes(12).toString('hex');
const invalidSession = (why: string): AuthError => new AuthError(401, 'InvalidSession', `invalid session: ${why}`);

/**
 * Users, sessions and tokens: App Services' local-userpass provider over the database.
 *
 * @example
 * const auth = new AuthService(db, signer, clock, config, stats);
 * const { userId } = await auth.createUser({ username: 'ada@example.com', password: 'secret-1' });
 * const grant = await auth.login('ada@example.com', 'secret-1');
 */
export class AuthService {
  #db: Db;
  #signer: TokenSigner;
  #clock: ServerClock;
  #config: AuthConfig;
  #stats: ServerStats;

  constructor(db: Db, signer: TokenSigner, clock: ServerClock, config: AuthConfig, stats: ServerStats) {
    this.#db = db;
    this.#signer = signer;
    this.#clock = clock;
    this.#config = config;
    this.#stats = stats;
  }

  async createUser(user: { username: string; password: string; customData?: Record<string, unknown> }): Promise<{ userId: string }> {
    if (user.password.length < 6 || user.password.length > 128) {
      throw new AuthError(400, 'BadRequest', 'password must be between 6 and 128 characters');
    }
    const userId = newId();
    const hash = await hashPassword(user.password, this.#config.scryptCost);
    const rows = await this.#db.query<{ id: string }>(
      `insert into users (id, username, password_hash, custom_data, created_at) values ($1, $2, $3, $4, $5)
       on conflict (username) do nothing returning id`,
      [userId, user.username, hash, user.customData ?? {}, this.#clock.now()],
    );
    if (rows.length === 0) throw new AuthError(409, 'AccountNameInUse', 'name already in use');
    return { userId };
  }

  async login(username: string, password: string): Promise<{ access_token: string; refresh_token: string; user_id: string; device_id: string }> {
    const [user] = await this.#db.query<{ id: string; password_hash: string }>(
      'select id, password_hash from users where username = $1', [username]);
    if (!user || !(await verifyPassword(password, user.password_hash))) {
      this.#stats.loginFailures += 1;
      throw new AuthError(401, 'InvalidPassword', 'invalid username/password');
    }
    const sessionId = newId();
    const deviceId = newId();
    const jti = randomUUID();
    const refresh = await this.#signer.sign('refresh', { sub: user.id, sid: sessionId, jti }, this.#config.refreshTokenTtlSec);
    await this.#db.query(
      'insert into sessions (id, user_id, device_id, refresh_jti, expires_at) values ($1, $2, $3, $4, $5)',
      [sessionId, user.id, deviceId, jti, refresh.exp * 1000]);
    this.#stats.logins += 1;
    return { access_token: await this.#accessToken(user.id), refresh_token: refresh.token, user_id: user.id, device_id: deviceId };
  }

  async refresh(refreshToken: string): Promise<{ access_token: string; refresh_token?: string }> {
    try {
      const claims = await this.#verifyRefresh(refreshToken);
      const [session] = await this.#db.query<{ user_id: string; refresh_jti: string; expires_at: number; revoked_at: number | null }>(
        'select user_id, refresh_jti, expires_at, revoked_at from sessions where id = $1', [claims.sid]);
      if (!session || session.user_id !== claims.sub) throw invalidSession('unknown session');
      if (session.revoked_at !== null) throw invalidSession('session revoked');
      if (session.expires_at <= this.#clock.now()) throw invalidSession('session expired');
      if (!this.#config.rotateRefreshTokens) {
        this.#stats.refreshes += 1;
        return { access_token: await this.#accessToken(claims.sub) };
      }
      const jti = randomUUID();
      const ttl = Math.max(1, Math.floor((session.expires_at - this.#clock.now()) / 1000));
      const next = await this.#signer.sign('refresh', { sub: claims.sub, sid: claims.sid, jti }, ttl);
      // Compare-and-swap on the current token id: of two refreshes with one token, only one wins.
      const swapped = await this.#db.query('update sessions set refresh_jti = $1 where id = $2 and refresh_jti = $3 and revoked_at is null returning id',
        [jti, claims.sid, claims.jti]);
      if (swapped.length === 0) {
        await this.#db.query('update sessions set revoked_at = $1 where id = $2 and revoked_at is null', [this.#clock.now(), claims.sid]);
        throw invalidSession('refresh token was already used; session revoked');
      }
      this.#stats.refreshes += 1;
      return { access_token: await this.#accessToken(claims.sub), refresh_token: next.token };
    } catch (error) {
      this.#stats.refreshFailures += 1;
      throw error;
    }
  }

  /** Revokes the session behind the refresh token; revoking twice is fine. */
  async logout(refreshToken: string): Promise<void> {
    const claims = await this.#verifyRefresh(refreshToken);
    await this.#db.query('update sessions set revoked_at = $1 where id = $2 and user_id = $3 and revoked_at is null',
      [this.#clock.now(), claims.sid, claims.sub]);
    this.#stats.logouts += 1;
  }

  /** Verifies an access token for a data request; throws `TokenRejected`. */
  async authenticate(accessToken: string): Promise<AuthenticatedUser> {
    const claims = await this.#signer.verify(accessToken, 'access');
    return { userId: claims.sub, exp: claims.exp ?? 0 };
  }

  async revokeSessions(userId: string): Promise<void> {
    await this.#db.query('update sessions set revoked_at = $1 where user_id = $2 and revoked_at is null', [this.#clock.now(), userId]);
  }

  async setCustomData(userId: string, data: Record<string, unknown>): Promise<void> {
    const rows = await this.#db.query('update users set custom_data = $1 where id = $2 returning id', [data, userId]);
    if (rows.length === 0) throw new Error(`no user ${userId}`);
  }

  async profile(userId: string): Promise<{ user_id: string; custom_data: Record<string, unknown> }> {
    return { user_id: userId, custom_data: await this.#customData(userId) };
  }

  async #accessToken(userId: string): Promise<string> {
    const userData = await this.#customData(userId);
    return (await this.#signer.sign('access', { sub: userId, user_data: userData }, this.#config.accessTokenTtlSec)).token;
  }

  async #customData(userId: string): Promise<Record<string, unknown>> {
    const [row] = await this.#db.query<{ custom_data: Record<string, unknown> }>('select custom_data from users where id = $1', [userId]);
    return row?.custom_data ?? {};
  }

  async #verifyRefresh(token: string): Promise<{ sub: string; sid: string; jti: string }> {
    let claims;
    try {
      claims = await this.#signer.verify(token, 'refresh');
    } catch (error) {
      throw error instanceof TokenRejected ? invalidSession(error.message) : error;
    }
    const { sid, jti } = claims;
    if (typeof sid !== 'string' || typeof jti !== 'string') throw invalidSession('token has no session');
    return { sub: claims.sub, sid, jti };
  }
}
