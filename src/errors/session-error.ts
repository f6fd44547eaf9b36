import { redactSecrets } from '../platform/redact.ts';
import type { ClassifiedFailure, FailureKind } from './classify-failure.ts';

/**
 * Stable machine-readable error codes. Match on these, never on messages.
 *
 * @example
 * ```ts
 * if (isSessionError(err, 'RELOGIN_REQUIRED')) showLogin();
 * ```
 */
export type SessionErrorCode =
  | 'NOT_LOGGED_IN'
  | 'RELOGIN_REQUIRED'
  | 'CREDENTIALS_REJECTED'
  | 'ACCESS_REJECTED'
  | 'NETWORK'
  | 'RATE_LIMITED'
  | 'REQUEST_REJECTED'
  | 'PROTOCOL'
  | 'INVALID_OPTION'
  | 'CLIENT_CLOSED'
  | 'ACCESS_REJECTED_LOOP'
  | 'SYNC_UNAVAILABLE';

/**
 * Extra facts an error may carry.
 *
 * @example
 * ```ts
 * new SessionError('RATE_LIMITED', 'slow down', { kind: 'rateLimited', status: 429, retryAfterMs: 5000 });
 * ```
 */
export interface SessionErrorOptions {
  /** How the failure was classified (drives what the session does). */
  kind?: FailureKind | undefined;
  /** HTTP status, when the failure came from an HTTP response. */
  status?: number | undefined;
  /** How long the server asked us to wait (from `Retry-After`). */
  retryAfterMs?: number | undefined;
  /** The server's own code (`extensions.code`, `error_code`), when it gave one. */
  serverCode?: string | undefined;
  /** The underlying error. Its message is redacted when serialised; never put a token in it. */
  cause?: unknown;
}

// Shared across duplicated copies of this package (Symbol.for is realm-global).
const BRAND = Symbol.for('session-sync.SessionError');

/**
 * The one error class of session-sync. Every instance has a stable `code`, optionally the
 * classified `kind`, HTTP `status` and `retryAfterMs`. Its message is passed through the redactor,
 * so even a careless caller cannot leak a token through it.
 *
 * @example
 * ```ts
 * throw new SessionError('NOT_LOGGED_IN', 'log in before syncing');
 * ```
 */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  readonly code: SessionErrorCode;
  // `declare`: absent facts stay absent (no own `undefined` properties).
  declare readonly kind?: FailureKind;
  declare readonly status?: number;
  declare readonly retryAfterMs?: number;
  declare readonly serverCode?: string;

  constructor(code: SessionErrorCode, message: string, opts: SessionErrorOptions = {}) {
    super(redactSecrets(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    if (opts.kind !== undefined) this.kind = opts.kind;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.serverCode !== undefined) this.serverCode = opts.serverCode;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * The error a classified failure surfaces as.
   *
   * @example
   * ```ts
   * throw SessionError.fromFailure(classifyFailure({ status: 503 }, 'data'));
   * ```
   */
  static fromFailure(failure: ClassifiedFailure, cause?: unknown): SessionError {
    return new SessionError(failure.code, failure.message, {
      kind: failure.kind,
      status: failure.status,
      retryAfterMs: failure.retryAfterMs,
      serverCode: failure.serverCode,
      cause,
    });
  }

  /**
   * The classified failure this error stands for (what the refresh actor rejects with).
   *
   * @example
   * ```ts
   * const failure = err.toFailure(); // { kind: 'transient', code: 'NETWORK', message: '…' }
   * ```
   */
  toFailure(): ClassifiedFailure {
    const failure: ClassifiedFailure = { kind: this.kind ?? kindOfCode(this.code), code: this.code, message: this.message };
    if (this.status !== undefined) failure.status = this.status;
    if (this.retryAfterMs !== undefined) failure.retryAfterMs = this.retryAfterMs;
    if (this.serverCode !== undefined) failure.serverCode = this.serverCode;
    return failure;
  }

  /**
   * A plain, token-free object for logs and wire transport (the cause is reduced to its name).
   *
   * @example
   * ```ts
   * JSON.stringify(err); // {"name":"SessionError","code":"NETWORK","message":"…","kind":"transient"}
   * ```
   */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    if (this.kind !== undefined) json['kind'] = this.kind;
    if (this.status !== undefined) json['status'] = this.status;
    if (this.retryAfterMs !== undefined) json['retryAfterMs'] = this.retryAfterMs;
    if (this.serverCode !== undefined) json['serverCode'] = this.serverCode;
    if (this.cause instanceof Error) json['cause'] = this.cause.name;
    return json;
  }
}

/**
 * True when `error` is a {@link SessionError} (optionally with that `code`), even when it was thrown by
 * another copy of this package, where `instanceof` fails.
 *
 * @example
 * ```ts
 * try { await client.login(creds) } catch (e) { if (isSessionError(e, 'CREDENTIALS_REJECTED')) … }
 * ```
 */
export function isSessionError(error: unknown, code?: SessionErrorCode): error is SessionError {
  if (typeof error !== 'object' || error === null) return false;
  const branded = (error as Record<symbol, unknown>)[BRAND] === true || error instanceof SessionError;
  if (!branded) return false;
  return code === undefined || (error as SessionError).code === code;
}

function kindOfCode(code: SessionErrorCode): FailureKind {
  switch (code) {
    case 'ACCESS_REJECTED':
    case 'ACCESS_REJECTED_LOOP':
      return 'accessRejected';
    case 'RELOGIN_REQUIRED':
    case 'NOT_LOGGED_IN':
      return 'refreshRejected';
    case 'CREDENTIALS_REJECTED':
      return 'credentialsRejected';
    case 'NETWORK':
      return 'transient';
    case 'RATE_LIMITED':
      return 'rateLimited';
    case 'PROTOCOL':
      return 'protocol';
    default:
      return 'rejected';
  }
}
