import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailurePhase, type FailureSignal, type FailureKind } from '../../src/errors/classify-failure.ts';
import { SessionError } from '../../src/errors/session-error.ts';

const gqlErrors = (...codes: string[]) => ({ errors: codes.map((code) => ({ message: `failed: ${code}`, extensions: { code } })) });
const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });

// DESIGN.md "Classifying failures", one row per signal and phase.
const table: Array<[string, FailureSignal, FailurePhase, FailureKind, string]> = [
  // accessRejected: data requests whose token was refused
  ['401 on data', { status: 401, body: '' }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['401 + UNAUTHENTICATED', { status: 401, body: JSON.stringify(gqlErrors('UNAUTHENTICATED')) }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['200 + UNAUTHENTICATED', { status: 200, body: JSON.stringify(gqlErrors('UNAUTHENTICATED')) }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['200 + parsed UNAUTHENTICATED', { status: 200, body: gqlErrors('UNAUTHENTICATED') }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['200 + Hasura invalid-jwt', { status: 200, body: gqlErrors('invalid-jwt') }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['InvalidSession on data', { status: 401, body: { error: 'invalid session', error_code: 'InvalidSession' } }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['ws close 4401', { wsCloseCode: 4401 }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  ['ws close 4403', { wsCloseCode: 4403 }, 'data', 'accessRejected', 'ACCESS_REJECTED'],
  // refreshRejected: the refresh token is dead
  ['401 on refresh', { status: 401, body: { error: 'invalid session', error_code: 'InvalidSession' } }, 'refresh', 'refreshRejected', 'RELOGIN_REQUIRED'],
  ['403 on refresh', { status: 403, body: '' }, 'refresh', 'refreshRejected', 'RELOGIN_REQUIRED'],
  ['OAuth invalid_grant (400)', { status: 400, body: { error: 'invalid_grant', error_description: 'expired' } }, 'refresh', 'refreshRejected', 'RELOGIN_REQUIRED'],
  ['InvalidSession with 400', { status: 400, body: { error_code: 'InvalidSession' } }, 'refresh', 'refreshRejected', 'RELOGIN_REQUIRED'],
  // credentialsRejected: login refused
  ['InvalidPassword on login', { status: 401, body: { error: 'invalid username/password', error_code: 'InvalidPassword' } }, 'login', 'credentialsRejected', 'CREDENTIALS_REJECTED'],
  ['OAuth invalid_grant on login', { status: 400, body: { error: 'invalid_grant' } }, 'login', 'credentialsRejected', 'CREDENTIALS_REJECTED'],
  ['403 on login', { status: 403, body: '' }, 'login', 'credentialsRejected', 'CREDENTIALS_REJECTED'],
  // transient: offline is not expired
  ['fetch threw (ECONNREFUSED)', { thrown: refused }, 'refresh', 'transient', 'NETWORK'],
  ['fetch threw TypeError', { thrown: new TypeError('fetch failed') }, 'data', 'transient', 'NETWORK'],
  ['timeout', { thrown: new DOMException('timed out', 'TimeoutError') }, 'refresh', 'transient', 'NETWORK'],
  ['abort', { thrown: new DOMException('aborted', 'AbortError') }, 'data', 'transient', 'NETWORK'],
  ['500', { status: 500, body: 'oops' }, 'data', 'transient', 'NETWORK'],
  ['502 on refresh', { status: 502, body: '<html>bad gateway</html>' }, 'refresh', 'transient', 'NETWORK'],
  ['503 on login', { status: 503 }, 'login', 'transient', 'NETWORK'],
  ['504', { status: 504 }, 'data', 'transient', 'NETWORK'],
  ['408', { status: 408 }, 'refresh', 'transient', 'NETWORK'],
  ['truncated body', { status: 200, body: '{"data":{"pullTodo":{"docu' }, 'data', 'transient', 'NETWORK'],
  ['non-JSON body on refresh', { status: 201, body: '<html>captive portal</html>' }, 'refresh', 'transient', 'NETWORK'],
  ['JSON.parse threw', { thrown: new SyntaxError('Unexpected end of JSON input') }, 'data', 'transient', 'NETWORK'],
  ['200 + INTERNAL_SERVER_ERROR', { status: 200, body: gqlErrors('INTERNAL_SERVER_ERROR') }, 'data', 'transient', 'NETWORK'],
  ['500 + UNAUTHENTICATED on refresh (a server error, not a verdict)', { status: 500, body: gqlErrors('UNAUTHENTICATED') }, 'refresh', 'transient', 'NETWORK'],
  ['503 + InvalidSession on data', { status: 503, body: { error_code: 'InvalidSession' } }, 'data', 'transient', 'NETWORK'],
  ['ws abnormal close 1006', { wsCloseCode: 1006 }, 'data', 'transient', 'NETWORK'],
  ['unknown thrown value', { thrown: new Error('boom') }, 'refresh', 'transient', 'NETWORK'],
  // rateLimited: never a logout
  ['429 on refresh', { status: 429, headers: { 'Retry-After': '7' } }, 'refresh', 'rateLimited', 'RATE_LIMITED'],
  ['429 on data', { status: 429 }, 'data', 'rateLimited', 'RATE_LIMITED'],
  ['429 on login', { status: 429 }, 'login', 'rateLimited', 'RATE_LIMITED'],
  // rejected: the request itself is refused; the token is fine
  ['403 on data', { status: 403, body: '' }, 'data', 'rejected', 'REQUEST_REJECTED'],
  ['200 + FORBIDDEN', { status: 200, body: gqlErrors('FORBIDDEN') }, 'data', 'rejected', 'REQUEST_REJECTED'],
  ['400 validation', { status: 400, body: gqlErrors('GRAPHQL_VALIDATION_FAILED') }, 'data', 'rejected', 'REQUEST_REJECTED'],
  ['200 + BAD_USER_INPUT', { status: 200, body: gqlErrors('BAD_USER_INPUT') }, 'data', 'rejected', 'REQUEST_REJECTED'],
  ['404 on data', { status: 404 }, 'data', 'rejected', 'REQUEST_REJECTED'],
  ['413 on data', { status: 413 }, 'data', 'rejected', 'REQUEST_REJECTED'],
  ['404 on login (wrong app id)', { status: 404, body: { error: 'app not found' } }, 'login', 'rejected', 'REQUEST_REJECTED'],
  // protocol: malformed or unexpected
  ['200 JSON with neither data nor errors', { status: 200, body: { hello: 1 } }, 'data', 'protocol', 'PROTOCOL'],
  ['404 on refresh (misconfigured URL)', { status: 404 }, 'refresh', 'protocol', 'PROTOCOL'],
  ['200 + errors on refresh', { status: 200, body: gqlErrors('BAD_USER_INPUT') }, 'refresh', 'protocol', 'PROTOCOL'],
  ['302', { status: 302 }, 'data', 'protocol', 'PROTOCOL'],
  ['ws close 4400', { wsCloseCode: 4400 }, 'data', 'protocol', 'PROTOCOL'],
];

describe('classifyFailure', () => {
  it.each(table)('%s → %s', (_name, signal, phase, kind, code) => {
    const failure = classifyFailure(signal, phase);
    expect(failure.kind).toBe(kind);
    expect(failure.code).toBe(code);
    if ('status' in signal) expect(failure.status).toBe(signal.status);
  });

  it('reads Retry-After in seconds', () => {
    expect(classifyFailure({ status: 429, headers: { 'retry-after': '120' } }, 'data').retryAfterMs).toBe(120_000);
  });

  it('reads Retry-After as an HTTP date against the response Date header, not the local clock', () => {
    const headers = new Headers({ date: 'Wed, 25 Nov 2026 10:00:00 GMT', 'retry-after': 'Wed, 25 Nov 2026 10:00:30 GMT' });
    // The local clock is an hour off: the delay still comes from the server's own two timestamps.
    const failure = classifyFailure({ status: 429, headers }, 'refresh', { now: Date.parse('2026-11-25T11:00:00Z') });
    expect(failure).toMatchObject({ kind: 'rateLimited', retryAfterMs: 30_000 });
  });

  it('reads an HTTP-date Retry-After against opts.now when there is no Date header', () => {
    const failure = classifyFailure({ status: 503, headers: { 'Retry-After': 'Wed, 25 Nov 2026 10:01:00 GMT' } }, 'data', { now: Date.parse('2026-11-25T10:00:00Z') });
    expect(failure).toMatchObject({ kind: 'transient', retryAfterMs: 60_000 });
  });

  it('ignores an unreadable Retry-After, and a date already past counts as zero', () => {
    expect(classifyFailure({ status: 429, headers: { 'retry-after': 'soon' } }, 'data').retryAfterMs).toBeUndefined();
    const past = classifyFailure({ status: 429, headers: { date: 'Wed, 25 Nov 2026 10:00:00 GMT', 'retry-after': 'Wed, 25 Nov 2026 09:00:00 GMT' } }, 'data');
    expect(past.retryAfterMs).toBe(0);
  });

  it('keeps the kind of a thrown SessionError', () => {
    const thrown = new SessionError('RELOGIN_REQUIRED', 'refresh token revoked', { kind: 'refreshRejected' });
    expect(classifyFailure({ thrown }, 'refresh')).toMatchObject({ kind: 'refreshRejected', code: 'RELOGIN_REQUIRED' });
  });

  it('classifies a thrown value carrying an HTTP status like the response', () => {
    expect(classifyFailure({ thrown: { status: 401, message: 'nope' } }, 'refresh').kind).toBe('refreshRejected');
    expect(classifyFailure({ thrown: { statusCode: 503 } }, 'refresh').kind).toBe('transient');
  });

  it('names the network error code but never the thrown message of a fetch failure', () => {
    const failure = classifyFailure({ thrown: refused }, 'data');
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).not.toContain('127.0.0.1');
  });

  it('keeps the server explanation, redacted, in the message', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl';
    const failure = classifyFailure({ status: 401, body: { error: `token ${token} expired`, error_code: 'InvalidSession' } }, 'refresh');
    expect(failure.message).toContain('expired');
    expect(failure.message).toContain('InvalidSession');
    expect(failure.message).not.toContain(token);
  });

  it('is pure: the same input gives the same answer', () => {
    const signal: FailureSignal = { status: 429, headers: { 'retry-after': '3' }, body: '' };
    expect(classifyFailure(signal, 'data')).toEqual(classifyFailure(signal, 'data'));
  });
});
