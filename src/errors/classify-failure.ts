import type { FailureKind } from '../../machines/session-events.ts';
import { redactSecrets } from '../platform/redact.ts';
import { isSessionError, type SessionErrorCode } from './session-error.ts';

// The failure classes are defined once, with the machine (machines/ never imports src/).
export type { FailureKind };

/**
 * Which request failed: a data request, the refresh request, or the login request.
 *
 * @example
 * ```ts
 * classifyFailure({ status: 401 }, 'refresh' satisfies FailurePhase); // refreshRejected
 * ```
 */
export type FailurePhase = 'data' | 'refresh' | 'login';

/**
 * A failure reduced to what the session needs: plain data, no token, safe to log and to put in context.
 *
 * @example
 * ```ts
 * const failure: ClassifiedFailure = { kind: 'rateLimited', code: 'RATE_LIMITED', message: 'HTTP 429', retryAfterMs: 5000 };
 * ```
 */
export interface ClassifiedFailure {
  kind: FailureKind;
  code: SessionErrorCode;
  message: string;
  status?: number;
  retryAfterMs?: number;
  /** The server's own code for the failure (`errors[0].extensions.code`, `error_code`), when it gave one. */
  serverCode?: string;
}

/**
 * Response headers: a `Headers` object or a plain record (lower- or any-case names).
 *
 * @example
 * ```ts
 * const headers: HeadersLike = { 'retry-after': '5' }; // or response.headers
 * ```
 */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | undefined>;

/**
 * What went wrong, as observed: a thrown value, an HTTP response (body as raw text or parsed JSON),
 * or a websocket close code.
 *
 * @example
 * ```ts
 * const signal: FailureSignal = { status: 401, body: '{"error_code":"InvalidSession"}' };
 * ```
 */
export type FailureSignal =
  | { thrown: unknown }
  | { status: number; headers?: HeadersLike | undefined; body?: unknown }
  | { wsCloseCode: number };

const AUTH_CODES = new Set(['UNAUTHENTICATED', 'INVALID-JWT', 'INVALIDSESSION', 'INVALID_GRANT', 'INVALID_TOKEN']);
const CREDENTIAL_CODES = new Set(['INVALIDPASSWORD', 'AUTHERROR']);
const TRANSIENT_GRAPHQL_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'TIMEOUT']);
const WS_PROTOCOL_CLOSES = new Set([4400, 4406, 4409, 4429]);
// A code worth keeping: an identifier, never free text (which could carry anything).
const SERVER_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_MESSAGE = 200;

/**
 * Classifies a failed request. Pure: same input, same answer. The phase matters: a 401 on a data
 * request means "refresh and replay", on the refresh request "log in again", on login "wrong password".
 *
 * @param opts.now - local epoch ms, used only to turn an HTTP-date `Retry-After` into a delay when the
 *   response has no `Date` header.
 * @example
 * ```ts
 * classifyFailure({ status: 200, body: { errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED' } }] } }, 'data');
 * // { kind: 'accessRejected', code: 'ACCESS_REJECTED', status: 200, message: '…' }
 * classifyFailure({ thrown: new TypeError('fetch failed') }, 'refresh'); // { kind: 'transient', code: 'NETWORK', … }
 * ```
 */
export function classifyFailure(signal: FailureSignal, phase: FailurePhase, opts: { now?: number } = {}): ClassifiedFailure {
  if ('wsCloseCode' in signal) return classifyWsClose(signal.wsCloseCode, phase);
  if ('thrown' in signal) return classifyThrown(signal.thrown, phase, opts);
  return classifyResponse(signal.status, signal.headers, signal.body, phase, opts);
}

function classifyResponse(
  status: number,
  headers: HeadersLike | undefined,
  rawBody: unknown,
  phase: FailurePhase,
  opts: { now?: number },
): ClassifiedFailure {
  const body = parseBody(rawBody);
  const codes = errorCodes(body.json);
  const detail = serverMessage(body.json);
  const describe = (what: string): string => `${what} (HTTP ${status}${codes.length ? ` ${codes.join(',')}` : ''})${detail ? `: ${detail}` : ''}`;
  const has = (set: Set<string>): boolean => codes.some((code) => set.has(code.toUpperCase()));
  const retryAfterMs = retryAfter(headers, opts.now);
  const serverCode = codes.find((code) => SERVER_CODE.test(code));
  const withRetry = (failure: ClassifiedFailure): ClassifiedFailure =>
    retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };

  if (status === 429) return withRetry(failure('rateLimited', describe('rate limited'), status, serverCode));
  // A server error says nothing about the token, whatever its body claims: offline is not expired.
  if (status === 408 || status >= 500) {
    const what = status === 408 || (status >= 502 && status <= 504) ? 'server unavailable' : 'server error';
    return withRetry(failure('transient', describe(what), status, serverCode));
  }

  const authRejected = status === 401 || has(AUTH_CODES);
  if (phase === 'refresh' && (authRejected || has(CREDENTIAL_CODES) || status === 400 || status === 403)) {
    return failure('refreshRejected', describe('refresh token rejected'), status, serverCode);
  }
  if (phase === 'login' && (authRejected || has(CREDENTIAL_CODES) || status === 403)) {
    return failure('credentialsRejected', describe('credentials rejected'), status, serverCode);
  }
  if (phase === 'data' && authRejected) return failure('accessRejected', describe('access token rejected'), status, serverCode);

  if (status >= 400) {
    // A refresh endpoint answering 404/405/415… is misconfigured, not a verdict on the token.
    if (phase === 'refresh') return failure('protocol', describe('unexpected response to refresh'), status, serverCode);
    return failure('rejected', describe('request rejected'), status, serverCode);
  }
  if (status < 200 || status >= 300) return failure('protocol', describe('unexpected response'), status, serverCode);

  // 2xx from here on: a cut-off or non-JSON body is worth retrying; a wrong-shaped one is a protocol error.
  if (body.unparseable) return failure('transient', describe('truncated or non-JSON response'), status, serverCode);
  if (codes.length > 0 || hasGraphQLErrors(body.json)) {
    if (has(TRANSIENT_GRAPHQL_CODES)) return failure('transient', describe('server error'), status, serverCode);
    if (phase === 'refresh') return failure('protocol', describe('unexpected response to refresh'), status, serverCode);
    return failure('rejected', describe('request rejected'), status, serverCode);
  }
  return failure('protocol', describe('unexpected response'), status, serverCode);
}

function classifyThrown(thrown: unknown, phase: FailurePhase, opts: { now?: number }): ClassifiedFailure {
  if (isSessionError(thrown)) return thrown.toFailure();
  const record = typeof thrown === 'object' && thrown !== null ? (thrown as Record<string, unknown>) : {};
  const status = typeof record['status'] === 'number' ? record['status'] : record['statusCode'];
  if (typeof status === 'number') {
    return classifyResponse(status, record['headers'] as HeadersLike | undefined, record['body'], phase, opts);
  }
  const name = typeof record['name'] === 'string' ? record['name'] : '';
  if (name === 'TimeoutError') return failure('transient', 'request timed out');
  if (name === 'AbortError') return failure('transient', 'request aborted');
  if (name === 'SyntaxError') return failure('transient', 'truncated or non-JSON response');
  const code = systemErrorCode(thrown);
  if (name === 'TypeError' || code) return failure('transient', `network request failed${code ? ` (${code})` : ''}`);
  const message = typeof record['message'] === 'string' ? clip(redactSecrets(record['message'])) : String(typeof thrown);
  return failure('transient', `unexpected failure: ${message}`);
}

function classifyWsClose(code: number, phase: FailurePhase): ClassifiedFailure {
  if (code === 4401 || code === 4403) {
    const kind = phase === 'refresh' ? 'refreshRejected' : phase === 'login' ? 'credentialsRejected' : 'accessRejected';
    return failure(kind, `websocket closed by the server: access token rejected (${code})`);
  }
  if (WS_PROTOCOL_CLOSES.has(code)) return failure('protocol', `websocket closed: protocol error (${code})`);
  return failure('transient', `websocket closed (${code})`);
}

const CODE_OF_KIND: Record<FailureKind, SessionErrorCode> = {
  accessRejected: 'ACCESS_REJECTED',
  refreshRejected: 'RELOGIN_REQUIRED',
  credentialsRejected: 'CREDENTIALS_REJECTED',
  transient: 'NETWORK',
  rateLimited: 'RATE_LIMITED',
  rejected: 'REQUEST_REJECTED',
  protocol: 'PROTOCOL',
};

function failure(kind: FailureKind, message: string, status?: number, serverCode?: string): ClassifiedFailure {
  const result: ClassifiedFailure = { kind, code: CODE_OF_KIND[kind], message };
  if (status !== undefined) result.status = status;
  if (serverCode !== undefined) result.serverCode = serverCode;
  return result;
}

function parseBody(raw: unknown): { json: unknown; unparseable: boolean } {
  if (typeof raw !== 'string') return { json: raw, unparseable: false };
  try {
    return { json: JSON.parse(raw), unparseable: false };
  } catch {
    return { json: undefined, unparseable: true };
  }
}

/** Codes from GraphQL `errors[].extensions.code`, App Services `error_code`, OAuth `error`. */
function errorCodes(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const body = json as Record<string, unknown>;
  const codes: string[] = [];
  if (Array.isArray(body['errors'])) {
    for (const error of body['errors']) {
      const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
      if (typeof code === 'string') codes.push(code);
    }
  }
  if (typeof body['error_code'] === 'string') codes.push(body['error_code']);
  // OAuth error codes are snake_case words; App Services puts a sentence in `error` instead.
  if (typeof body['error'] === 'string' && /^[a-z][a-z_]*$/.test(body['error'])) codes.push(body['error']);
  return codes;
}

function hasGraphQLErrors(json: unknown): boolean {
  return typeof json === 'object' && json !== null && Array.isArray((json as { errors?: unknown }).errors);
}

/** The server's own explanation, redacted and clipped. */
function serverMessage(json: unknown): string {
  if (typeof json !== 'object' || json === null) return '';
  const body = json as Record<string, unknown>;
  const first = Array.isArray(body['errors']) ? (body['errors'][0] as { message?: unknown } | undefined)?.message : undefined;
  const text = [body['error_description'], body['error'], first].find((value) => typeof value === 'string');
  return typeof text === 'string' ? clip(redactSecrets(text)) : '';
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

function header(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

/** `Retry-After` as a delay: delta-seconds, or an HTTP-date measured against the response's `Date`. */
function retryAfter(headers: HeadersLike | undefined, now: number | undefined): number | undefined {
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const dateHeader = header(headers, 'date');
  const reference = dateHeader === undefined ? now : Date.parse(dateHeader);
  if (reference === undefined || Number.isNaN(reference)) return undefined;
  return Math.max(0, at - reference);
}

function systemErrorCode(thrown: unknown): string | undefined {
  for (let e: unknown = thrown, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return undefined;
}
