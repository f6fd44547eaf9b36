import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AuthError } from './auth-error.ts';

const KEY_LENGTH = 32;
/** scrypt's CPU/memory cost N (a power of two); 2^14 is the common interactive-login default. */
export const DEFAULT_SCRYPT_COST = 16_384;

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, opts, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Hashes a password with scrypt and a random salt; the result records its own parameters, so the
 * cost can change later without breaking stored hashes.
 *
 * @example
 * const stored = await hashPassword('correct horse'); // "scrypt$16384$8$1$<salt>$<hash>"
 */
export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const params = { N: cost, r: 8, p: 1 };
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Checks a password against a stored hash in constant time; false for any malformed hash.
 *
 * @example
 * if (!(await verifyPassword(input, stored))) throw new Error('invalid username/password');
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Longest password a login hashes: new passwords stop at 128, so anything longer can only be an attack. */
export const MAX_LOGIN_PASSWORD_LENGTH = 1024;

const badPassword = (why: string) => new AuthError(400, 'BadRequest', `password ${why}`);

/**
 * Refuses a password for a new account: 6 to 128 characters, no NUL. Throws a 400 `BadRequest`.
 *
 * @example
 * assertNewPassword('secret-1');
 */
export function assertNewPassword(password: string): void {
  if (password.length < 6 || password.length > 128) throw badPassword('must be between 6 and 128 characters');
  if (password.includes('\u0000')) throw badPassword('must not contain NUL');
}

/**
 * Refuses a login password no account can have, before it is hashed: over 1,024 characters or with
 * a NUL. Throws a 400 `BadRequest`.
 *
 * @example
 * assertLoginPassword(body.password);
 */
export function assertLoginPassword(password: string): void {
  if (password.length > MAX_LOGIN_PASSWORD_LENGTH) throw badPassword(`must be at most ${MAX_LOGIN_PASSWORD_LENGTH} characters`);
  if (password.includes('\u0000')) throw badPassword('must not contain NUL');
}
