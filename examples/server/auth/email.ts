import { AuthError } from './auth-error.ts';

/** RFC 5321's limit on a forward path; also keeps the name far below PostgreSQL's index row limit. */
export const MAX_EMAIL_LENGTH = 254;

// C0, DEL and C1 controls: a NUL is refused by PostgreSQL text, the others only hide look-alike names.
const CONTROL = /\p{Cc}/u;
const SPACE = /\s/u;

/**
 * The one spelling an account name is stored and looked up under: trimmed, Unicode NFC, lower case.
 * Throws a 400 `BadRequest` naming `field` and what is wrong when the result is not a plausible
 * address (at most 254 characters, no control characters or spaces, one `@` between a non-empty
 * local part and domain).
 *
 * @example
 * normaliseEmail('  Ada@Example.COM '); // 'ada@example.com'
 * normaliseEmail('ada', 'username');    // throws AuthError 400: username must contain one "@"
 */
export function normaliseEmail(raw: string, field = 'email'): string {
  const bad = (why: string) => new AuthError(400, 'BadRequest', `${field} ${why}`);
  // Length first, on the raw input: normalising 30 KB of text to refuse it afterwards is wasted work.
  if (raw.length > MAX_EMAIL_LENGTH * 4) throw bad(`must be at most ${MAX_EMAIL_LENGTH} characters`);
  // Lower case before NFC: lower-casing can decompose a letter, and the stored form must be NFC.
  const email = raw.trim().toLowerCase().normalize('NFC');
  if (email === '') throw bad('must not be empty');
  if (email.length > MAX_EMAIL_LENGTH) throw bad(`must be at most ${MAX_EMAIL_LENGTH} characters`);
  if (CONTROL.test(email)) throw bad('must not contain control characters');
  if (SPACE.test(email)) throw bad('must not contain spaces');
  const parts = email.split('@');
  if (parts.length !== 2) throw bad('must contain one "@"');
  const [local, domain] = parts as [string, string];
  if (local === '') throw bad('needs a name before the "@"');
  if (domain === '') throw bad('needs a domain after the "@"');
  return email;
}
