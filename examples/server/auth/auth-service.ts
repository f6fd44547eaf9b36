import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerClock } from '../clock.ts';
import type { Db } from '../db/db.ts';
import type { ServerLogger } from '../server-logger.ts';
import type { ServerStats } from '../stats.ts';
import { unstorableCharacter } from '../sync/document-content.ts';
import { AuthError } from './auth-error.ts';
import { assertCustomData } from './custom-data.ts';
import { normaliseEmail } from './email.ts';
import { assertLoginPassword, assertNewPassword, hashPassword, verifyPassword } from './passwords.ts';
import { SessionRevocations, type Revoked } from './session-revocations.ts';
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

/** A verified access token's subject, from a session that is not revoked. */
export interface AuthenticatedUser {
  userId: string;
  /** The session (one login) the token was issued for: logout or revocation ends it. */
  sessionId: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** App Services' identity provider name for email/password users. */
export const LOCAL_USERPASS = 'local-userpass';

/** A user's profile as App Services' `GET /auth/profile` answers it, with the custom data as well. */
export interface UserProfileBody {
  user_id: string;
  domain_id: string;
  type: 'normal';
  identities: { id: string; provider_type: typeof LOCAL_USERPASS }[];
  data: { email: string };
  custom_data: Record<string, unknown>;
}

// 24 hex digits, the size of App Services' ObjectId ids: realm-web parses a device id as one.
const newId = (): string => randomBytes(12).toString('hex');
const invalidSession = (why: string): AuthError => new AuthError(401, 'InvalidSession', `invalid session: ${why}`);
const userNotFound = (): AuthError => new AuthError(404, 'UserNotFound', 'user not found');

/**
 * Users, sessions and tokens: App Services' local-userpass provider over the database.
 *
 * @example
 * const auth = await AuthService.start(db, signer, clock, config, stats, logger);
 * const { userId } = await auth.createUser({ username: 'ada@example.com', password: 'secret-1' });
 * const grant = await auth.login('ada@example.com', 'secret-1');
 * auth.onRevoked(({ userId, sessionIds }) => closeSockets(userId, sessionIds));
 */
export class AuthService {
  #db: Db;
  #signer: TokenSigner;
  #clock: ServerClock;
  #config: AuthConfig;
  #stats: ServerStats;
  #revocations: SessionRevocations;
  /** Verified when the user is unknown, so an unknown name costs the same scrypt as a wrong password. */
  #dummyHash: string;

  private constructor(db: Db, signer: TokenSigner, clock: ServerClock, config: AuthConfig, stats: ServerStats,
    revocations: SessionRevocations, dummyHash: string) {
    this.#db = db;
    this.#signer = signer;
    this.#clock = clock;
    this.#config = config;
    this.#stats = stats;
    this.#revocations = revocations;
    this.#dummyHash = dummyHash;
  }

  /** Hashes the stand-in password at the configured cost and listens for revocations by other processes. */
  static async start(db: Db, signer: TokenSigner, clock: ServerClock, config: AuthConfig, stats: ServerStats, logger: ServerLogger): Promise<AuthService> {
    const dummyHash = await hashPassword(randomBytes(16).toString('hex'), config.scryptCost);
    const revocations = await SessionRevocations.start(db, logger);
    return new AuthService(db, signer, clock, config, stats, revocations, dummyHash);
  }

  /** Stops listening for revocations. */
  async stop(): Promise<void> {
    await this.#revocations.stop();
  }

  /**
   * Calls `listener` whenever sessions are revoked by logout, by refresh-token reuse or by the operator,
   * in this process or in any other server process on the same database; returns the unsubscribe function.
   *
   * @example
   * const stop = auth.onRevoked(({ sessionIds, userId }) => closeSocketsOf({ sessionIds, userId }));
   */
  onRevoked(listener: (revoked: Revoked) => void): () => void {
    return this.#revocations.onRevoked(listener);
  }

  /**
   * Creates an account under the normalised email (400 when it is not one, 409 `AccountNameInUse` when
   * it is taken, pending accounts included). `confirmed: false` makes a pending account, which cannot
   * log in until its address is confirmed; the default is a confirmed one.
   */
  async createUser(user: { username: string; password: string; customData?: Record<string, unknown>; confirmed?: boolean }): Promise<{ userId: string }> {
    const username = normaliseEmail(user.username, 'username');
    assertNewPassword(user.password);
    if (user.customData !== undefined) assertCustomData(user.customData);
    const userId = newId();
    const hash = await hashPassword(user.password, this.#config.scryptCost);
    // The not-exists guard catches rows stored before names were normalised (Ada@Example.com); the
    // unique constraint catches two registrations of one new name racing.
    const rows = await this.#db.query<{ id: string }>(
      `insert into users (id, username, password_hash, custom_data, created_at, confirmed)
       select $1, $2, $3, $4, $5, $6 where not exists (select 1 from users where lower(username) = lower($2))
       on conflict (username) do nothing returning id`,
      [userId, username, hash, user.customData ?? {}, this.#clock.now(), user.confirmed ?? true],
    );
    if (rows.length === 0) throw new AuthError(409, 'AccountNameInUse', 'name already in use');
    return { userId };
  }

  /**
   * Checks the credentials and opens a session. `username` is normalised here too; an unknown user is
   * verified against a stand-in hash, so the answer takes as long as for a wrong password, and both
   * get the same 401 `InvalidPassword` body, as in App Services. The right password of an account that
   * is not confirmed yet gets 401 `AuthError` "confirmation required": only someone who knows the
   * password learns that the account exists.
   */
  async login(username: string, password: string): Promise<{ access_token: string; refresh_token: string; user_id: string; device_id: string }> {
    const name = normaliseEmail(username, 'username');
    assertLoginPassword(password);
    // Rows from before normalisation may hold capitals: lower() finds them (ASCII letters on every
    // database locale); an exact match wins if both spellings exist.
    const [user] = await this.#db.query<{ id: string; password_hash: string; confirmed: boolean }>(
      'select id, password_hash, confirmed from users where lower(username) = lower($1) order by username = $1 desc, created_at limit 1', [name]);
    const matches = await verifyPassword(password, user?.password_hash ?? this.#dummyHash);
    if (!user || !matches) {
      this.#stats.loginFailures += 1;
      throw new AuthError(401, 'InvalidPassword', 'invalid username/password');
    }
    if (!user.confirmed) throw new AuthError(401, 'AuthError', 'confirmation required');
    const sessionId = newId();
    const deviceId = newId();
    const jti = randomUUID();
    const refresh = await this.#signer.sign('refresh', { sub: user.id, sid: sessionId, jti }, this.#config.refreshTokenTtlSec);
    await this.#db.query(
      'insert into sessions (id, user_id, device_id, refresh_jti, expires_at) values ($1, $2, $3, $4, $5)',
      [sessionId, user.id, deviceId, jti, refresh.exp * 1000]);
    this.#stats.logins += 1;
    return { access_token: await this.#accessToken(user.id, sessionId, deviceId), refresh_token: refresh.token, user_id: user.id, device_id: deviceId };
  }

  async refresh(refreshToken: string): Promise<{ access_token: string; refresh_token?: string }> {
    try {
      const claims = await this.#verifyRefresh(refreshToken);
      const [session] = await this.#db.query<{ user_id: string; device_id: string; refresh_jti: string; expires_at: number; revoked_at: number | null }>(
        'select user_id, device_id, refresh_jti, expires_at, revoked_at from sessions where id = $1', [claims.sid]);
      if (!session || session.user_id !== claims.sub) throw invalidSession('unknown session');
      if (session.revoked_at !== null) throw invalidSession('session revoked');
      if (session.expires_at <= this.#clock.now()) throw invalidSession('session expired');
      if (!this.#config.rotateRefreshTokens) {
        this.#stats.refreshes += 1;
        return { access_token: await this.#accessToken(claims.sub, claims.sid, session.device_id) };
      }
      const jti = randomUUID();
      const ttl = Math.max(1, Math.floor((session.expires_at - this.#clock.now()) / 1000));
      const next = await this.#signer.sign('refresh', { sub: claims.sub, sid: claims.sid, jti }, ttl);
      // Compare-and-swap on the current token id: of two refreshes with one token, only one wins.
      const swapped = await this.#db.query('update sessions set refresh_jti = $1 where id = $2 and refresh_jti = $3 and revoked_at is null returning id',
        [jti, claims.sid, claims.jti]);
      if (swapped.length === 0) {
        await this.#revocations.revokeSession(this.#db, claims.sid, claims.sub, this.#clock.now());
        throw invalidSession('refresh token was already used; session revoked');
      }
      this.#stats.refreshes += 1;
      return { access_token: await this.#accessToken(claims.sub, claims.sid, session.device_id), refresh_token: next.token };
    } catch (error) {
      this.#stats.refreshFailures += 1;
      throw error;
    }
  }

  /** Revokes the session behind the refresh token; revoking twice is fine. */
  async logout(refreshToken: string): Promise<void> {
    const claims = await this.#verifyRefresh(refreshToken);
    await this.#revocations.revokeSession(this.#db, claims.sid, claims.sub, this.#clock.now());
    this.#stats.logouts += 1;
  }

  /**
   * Verifies an access token for a data request and that its session is still live; throws `TokenRejected`.
   * The session is read by primary key on every call rather than cached: one indexed lookup (well
   * under a millisecond) is exact at once in every process on the database, where a cache fed by
   * NOTIFY would accept a revoked token until the notice arrived.
   */
  async authenticate(accessToken: string): Promise<AuthenticatedUser> {
    const claims = await this.#signer.verify(accessToken, 'access');
    // Tokens issued before access tokens named their session get a 401, and the client refreshes.
    if (typeof claims.sid !== 'string') throw new TokenRejected('token names no session; refresh it');
    const [session] = await this.#db.query<{ revoked_at: number | null }>(
      'select revoked_at from sessions where id = $1 and user_id = $2', [claims.sid, claims.sub]);
    if (!session) throw new TokenRejected('unknown session');
    if (session.revoked_at !== null) throw new TokenRejected('session revoked');
    return { userId: claims.sub, sessionId: claims.sid, exp: claims.exp ?? 0 };
  }

  /** Revokes every session of the user: refresh and access tokens alike stop working at once. */
  async revokeSessions(userId: string): Promise<void> {
    await this.#revocations.revokeUser(this.#db, userId, this.#clock.now());
  }

  /**
   * Replaces the user's custom data, seen in `user_data` of the access tokens issued from now on.
   * Throws 400 `BadRequest` for data {@link assertCustomData} refuses, 404 `UserNotFound` for an unknown user.
   */
  async setCustomData(userId: string, data: Record<string, unknown>): Promise<void> {
    assertCustomData(data);
    // An id PostgreSQL cannot even compare (a NUL from a URL's %00) names nobody.
    if (unstorableCharacter(userId)) throw userNotFound();
    const rows = await this.#db.query('update users set custom_data = $1 where id = $2 returning id', [data, userId]);
    if (rows.length === 0) throw userNotFound();
  }

  /** The user's custom data now; 404 `UserNotFound` for an unknown user. */
  async customData(userId: string): Promise<Record<string, unknown>> {
    if (unstorableCharacter(userId)) throw userNotFound();
    const [row] = await this.#db.query<{ custom_data: Record<string, unknown> }>('select custom_data from users where id = $1', [userId]);
    if (!row) throw userNotFound();
    return row.custom_data;
  }

  /** The profile App Services' `GET /auth/profile` answered, under the app's `domainId`. */
  async profile(userId: string, domainId: string): Promise<UserProfileBody> {
    const [row] = await this.#db.query<{ username: string; custom_data: Record<string, unknown> }>(
      'select username, custom_data from users where id = $1', [userId]);
    if (!row) throw userNotFound();
    return {
      user_id: userId,
      domain_id: domainId,
      type: 'normal',
      // One identity per user (this server has one provider), named by the user id.
      identities: [{ id: userId, provider_type: LOCAL_USERPASS }],
      data: { email: row.username },
      custom_data: row.custom_data,
    };
  }

  /** `baas_device_id` is where App Services' tokens carried the device (realm-web's `user.deviceId`). */
  async #accessToken(userId: string, sessionId: string, deviceId: string): Promise<string> {
    const userData = await this.#customData(userId);
    const claims = { sub: userId, sid: sessionId, baas_device_id: deviceId, user_data: userData };
    return (await this.#signer.sign('access', claims, this.#config.accessTokenTtlSec)).token;
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
