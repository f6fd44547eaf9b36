import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Shortest admin key accepted: a key is compared, never throttled, so it must be too long to guess. */
export const MIN_ADMIN_KEY_LENGTH = 32;

/**
 * A fresh admin key: 32 random bytes, base64url (43 characters).
 *
 * @example
 * const adminKey = newAdminKey(); // 'kq3…' — print it once, keep it out of logs
 */
export function newAdminKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Throws unless `key` is long enough ({@link MIN_ADMIN_KEY_LENGTH} characters) and printable ASCII
 * without spaces, so it fits an `Authorization` header as is. The message never contains the key.
 *
 * @example
 * assertAdminKey(process.env.ADMIN_KEY!);
 */
export function assertAdminKey(key: string): void {
  if (key.length < MIN_ADMIN_KEY_LENGTH) throw new Error(`the admin key must be at least ${MIN_ADMIN_KEY_LENGTH} characters, got ${key.length}`);
  if (!/^[\x21-\x7E]+$/.test(key)) throw new Error('the admin key must be printable ASCII without spaces');
}

/**
 * Whether `presented` is the admin key, in constant time: both are hashed first, so neither the
 * comparison nor an early length check tells how much of a guess was right.
 *
 * @example
 * if (!adminKeyMatches(bearerToken(req.headers.authorization) ?? '', adminKey)) return unauthorized();
 */
export function adminKeyMatches(presented: string, adminKey: string): boolean {
  const hash = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(hash(presented), hash(adminKey));
}
