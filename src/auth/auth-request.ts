import { classifyFailure, type ClassifiedFailure, type FailurePhase } from '../errors/classify-failure.ts';
import { SessionError } from '../errors/session-error.ts';
import { redactSecrets } from '../platform/redact.ts';
import { requestDeadline } from '../platform/request-deadline.ts';
import type { AuthContext } from './auth-adapter.ts';

const DEFAULT_AUTH_TIMEOUT_MS = 30_000;

/**
 * A successful auth response, read and timed.
 *
 * @example
 * ```ts
 * const { json, receivedAt, serverDate }: AuthResponse = await authRequest(ctx, url, init, 'refresh', [rt]);
 * ```
 */
export interface AuthResponse {
  status: number;
  /** Parsed JSON body; `undefined` for an empty body (e.g. 204). */
  json: unknown;
  sentAt: number;
  receivedAt: number;
  serverDate?: number;
}

/**
 * Sends one auth request and turns every failure (network, status, unreadable body) into a classified
 * {@link SessionError} for that phase. Internal to the adapters.
 *
 * @example
 * ```ts
 * const res = await authRequest(ctx, url, { method: 'POST', headers: {}, body: '{}' }, 'login', [password]);
 * ```
 */
export async function authRequest(
  ctx: AuthContext,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  phase: FailurePhase,
  secrets: readonly string[],
): Promise<AuthResponse> {
  // The server's explanation goes into the message: blank out the secrets we sent, should it echo them.
  const fail = (failure: ClassifiedFailure, cause?: unknown): SessionError =>
    SessionError.fromFailure({ ...failure, message: redactSecrets(failure.message, secrets) }, cause);
  let response: Response;
  let text: string;
  // A half-open connection must not hold a refresh forever.
  const deadline = requestDeadline(ctx.signal, ctx.timeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS);
  const sentAt = ctx.clock.now();
  try {
    const request: RequestInit = { method: init.method, headers: init.headers, signal: deadline.signal };
    if (init.body !== undefined) request.body = init.body;
    try {
      response = await ctx.fetch(url, request);
    } catch (thrown) {
      // After an outage, fetch may first try a pooled connection the outage cut. A login is safe to
      // send again (at worst the server opens a second session); a refresh is not: with rotation, a
      // second one would present a token the first may already have replaced.
      if (phase !== 'login' || !isStaleConnection(thrown) || deadline.signal.aborted) throw thrown;
      response = await ctx.fetch(url, request);
    }
    text = await response.text();
  } catch (thrown) {
    throw fail(classifyFailure({ thrown }, phase), thrown);
  } finally {
    deadline.dispose();
  }
  const receivedAt = ctx.clock.now();
  if (!response.ok) {
    throw fail(classifyFailure({ status: response.status, headers: response.headers, body: text }, phase, { now: receivedAt }));
  }
  let json: unknown;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw fail(classifyFailure({ status: response.status, body: text }, phase));
    }
  }
  const result: AuthResponse = { status: response.status, json, sentAt, receivedAt };
  const date = Date.parse(response.headers.get('date') ?? '');
  if (!Number.isNaN(date)) result.serverDate = date;
  return result;
}

/**
 * Reads a required string field of a JSON auth response, or throws a PROTOCOL error naming the field
 * (never its value).
 *
 * @example
 * ```ts
 * const accessToken = requireString(res.json, 'access_token', 'refresh');
 * ```
 */
export function requireString(json: unknown, field: string, what: string): string {
  const value = optionalString(json, field);
  if (value === undefined || value === '') {
    throw new SessionError('PROTOCOL', `${what} response has no "${field}"`, { kind: 'protocol' });
  }
  return value;
}

/**
 * Reads an optional string field of a JSON auth response.
 *
 * @example
 * ```ts
 * const rotated = optionalString(res.json, 'refresh_token');
 * ```
 */
export function optionalString(json: unknown, field: string): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const value = (json as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

// A connection that was closed under the request before any answer came (not a refused one).
function isStaleConnection(thrown: unknown): boolean {
  const cause = (thrown as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  return ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code) || cause?.message === 'other side closed';
}
