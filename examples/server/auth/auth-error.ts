/**
 * An auth failure in App Services' shape: HTTP status plus `{ error, error_code }`, and any headers
 * the answer needs (`Retry-After` on a 429).
 *
 * @example
 * throw new AuthError(401, 'InvalidSession', 'refresh token expired');
 */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly status: number;
  readonly errorCode: string;
  readonly headers: Record<string, string>;

  constructor(status: number, errorCode: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
    this.headers = headers;
  }
}

/**
 * A 429 for a throttled login or registration, with `Retry-After` in whole seconds (at least 1).
 * App Services publishes no error code for this; `TooManyRequests` follows its PascalCase codes and
 * names the HTTP status, so a client that switches on either the status or the code understands it.
 *
 * @example
 * throw tooManyRequests('too many failed logins for this account', 42_000);
 */
export function tooManyRequests(why: string, retryAfterMs: number): AuthError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AuthError(429, 'TooManyRequests', `${why}; try again in ${seconds} s`, { 'retry-after': String(seconds) });
}
