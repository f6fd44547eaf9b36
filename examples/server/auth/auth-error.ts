/**
 * An auth failure in App Services' shape: HTTP status plus `{ error, error_code }`.
 *
 * @example
 * throw new AuthError(401, 'InvalidSession', 'refresh token expired');
 */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly status: number;
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}
