import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerClock } from '../clock.ts';
import type { Queryable } from '../db/db.ts';
import { AuthError } from './auth-error.ts';
import type { AccountMailKind } from './mailer.ts';

/** A link's secret and its public id, as App Services' `token` and `tokenId`. */
export interface IssuedAccountToken {
  token: string;
  tokenId: string;
  expiresAt: number;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

// The shapes this server issues; anything else (too long, a NUL PostgreSQL would choke on) is refused unread.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,128}$/;
const TOKEN_ID_SHAPE = /^[0-9a-f]{24}$/;

/**
 * The error for any token that does not work (unknown, wrong secret, used, expired, another kind): one
 * answer for all, App Services' `UserpassTokenInvalid`, so a caller learns nothing about which it was.
 */
export const invalidAccountToken = (): AuthError => new AuthError(400, 'UserpassTokenInvalid', 'invalid token data');

/**
 * The single-use tokens of confirmation and password-reset links. The database keeps only the
 * SHA-256 of each secret (32 random bytes, so a plain hash is as strong as a slow one), the user, the
 * kind and the expiry; a read of the table cannot confirm or reset anyone. Issuing a token of a kind
 * replaces the user's earlier ones of that kind, so only the newest link works and the table holds at
 * most one row per user and kind.
 *
 * @example
 * const tokens = new AccountTokens(clock);
 * const { token, tokenId } = await tokens.issue(db, userId, 'confirm', 1800);
 * const owner = await tokens.redeem(db, 'confirm', token, tokenId); // the user id, once; then UserpassTokenInvalid
 */
export class AccountTokens {
  #clock: ServerClock;

  constructor(clock: ServerClock) {
    this.#clock = clock;
  }

  /** A new token of `kind` for `userId`, living `ttlSec`; the user's earlier tokens of that kind stop working. */
  async issue(db: Queryable, userId: string, kind: AccountMailKind, ttlSec: number): Promise<IssuedAccountToken> {
    const token = randomBytes(32).toString('base64url');
    // The id looks like App Services' (24 hex digits, an ObjectId's size).
    const tokenId = randomBytes(12).toString('hex');
    const expiresAt = this.#clock.now() + ttlSec * 1000;
    await db.query('delete from account_tokens where user_id = $1 and kind = $2', [userId, kind]);
    await db.query('insert into account_tokens (id, user_id, kind, token_hash, expires_at) values ($1, $2, $3, $4, $5)',
      [tokenId, userId, kind, digest(token).toString('hex'), expiresAt]);
    return { token, tokenId, expiresAt };
  }

  /** Throws `UserpassTokenInvalid` unless the token would redeem now; uses nothing up. */
  async check(db: Queryable, kind: AccountMailKind, token: string, tokenId: string): Promise<void> {
    await this.#owner(db, kind, token, tokenId);
  }

  /**
   * Uses the token: resolves with its user id, or throws `UserpassTokenInvalid`. Marking it used is a
   * compare-and-swap, so of two requests racing with one token only one succeeds; run it in the
   * transaction that applies its effect, so a failure there leaves the token unused.
   */
  async redeem(db: Queryable, kind: AccountMailKind, token: string, tokenId: string): Promise<string> {
    const userId = await this.#owner(db, kind, token, tokenId);
    const used = await db.query('update account_tokens set used_at = $1 where id = $2 and used_at is null returning id', [this.#clock.now(), tokenId]);
    if (used.length === 0) throw invalidAccountToken();
    return userId;
  }

  /** The user of a live, unused token of `kind` whose secret matches; else `UserpassTokenInvalid`. */
  async #owner(db: Queryable, kind: AccountMailKind, token: string, tokenId: string): Promise<string> {
    if (!TOKEN_SHAPE.test(token) || !TOKEN_ID_SHAPE.test(tokenId)) throw invalidAccountToken();
    const [row] = await db.query<{ user_id: string; token_hash: string; expires_at: number; used_at: number | null }>(
      'select user_id, token_hash, expires_at, used_at from account_tokens where id = $1 and kind = $2', [tokenId, kind]);
    // The comparison runs whether or not the row exists, and in constant time.
    const expected = row ? Buffer.from(row.token_hash, 'hex') : Buffer.alloc(32);
    const matches = timingSafeEqual(digest(token), expected);
    if (!row || !matches || row.used_at !== null || row.expires_at <= this.#clock.now()) throw invalidAccountToken();
    return row.user_id;
  }
}
