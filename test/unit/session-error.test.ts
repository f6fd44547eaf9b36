import { describe, expect, it } from 'vitest';
import { SessionError, isSessionError } from '../../src/errors/session-error.ts';
import { classifyFailure } from '../../src/errors/classify-failure.ts';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Y2FuYXJ5LXNpZ25hdHVyZQ';

describe('SessionError', () => {
  it('has a stable code, a name, and the classified facts', () => {
    const error = new SessionError('RATE_LIMITED', 'slow down', { kind: 'rateLimited', status: 429, retryAfterMs: 5000 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'SessionError', code: 'RATE_LIMITED', kind: 'rateLimited', status: 429, retryAfterMs: 5000 });
  });

  it('leaves absent facts absent', () => {
    const error = new SessionError('NOT_LOGGED_IN', 'log in first');
    expect(Object.keys(error)).not.toContain('status');
    expect(error.toJSON()).toEqual({ name: 'SessionError', code: 'NOT_LOGGED_IN', message: 'log in first' });
  });

  it('redacts a token passed into its message', () => {
    const error = new SessionError('PROTOCOL', `bad token ${TOKEN} and Bearer ${TOKEN}`);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String(error)).not.toContain(TOKEN);
  });

  it('serialises to a token-free object, reducing the cause to its name', () => {
    const cause = new Error(`fetch with ${TOKEN} failed`);
    const error = new SessionError('NETWORK', 'offline', { kind: 'transient', cause });
    expect(error.cause).toBe(cause);
    const json = JSON.stringify(error);
    expect(JSON.parse(json)).toEqual({ name: 'SessionError', code: 'NETWORK', message: 'offline', kind: 'transient', cause: 'Error' });
    expect(json).not.toContain(TOKEN);
  });

  it('round-trips through ClassifiedFailure', () => {
    const failure = classifyFailure({ status: 429, headers: { 'retry-after': '2' } }, 'refresh');
    const error = SessionError.fromFailure(failure);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.toFailure()).toEqual(failure);
  });

  it('derives a kind from the code when none was given', () => {
    expect(new SessionError('RELOGIN_REQUIRED', 'gone').toFailure().kind).toBe('refreshRejected');
    expect(new SessionError('NETWORK', 'offline').toFailure().kind).toBe('transient');
  });
});

describe('isSessionError', () => {
  it('matches by code', () => {
    const error = new SessionError('CREDENTIALS_REJECTED', 'wrong password');
    expect(isSessionError(error)).toBe(true);
    expect(isSessionError(error, 'CREDENTIALS_REJECTED')).toBe(true);
    expect(isSessionError(error, 'NETWORK')).toBe(false);
  });

  it('rejects other errors and non-errors', () => {
    expect(isSessionError(new Error('x'))).toBe(false);
    expect(isSessionError(null)).toBe(false);
    expect(isSessionError('SessionError')).toBe(false);
    expect(isSessionError({ name: 'SessionError', code: 'NETWORK', message: 'look-alike' })).toBe(false);
  });

  it('recognises an error from a second copy of the package, where instanceof fails', async () => {
    // A query string makes the module load again: a separate class, as with a duplicated dependency.
    const specifier = '../../src/errors/session-error.ts?duplicate';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import('../../src/errors/session-error.ts');
    const foreign = new copy.SessionError('RELOGIN_REQUIRED', 'log in again');
    expect(copy.SessionError).not.toBe(SessionError);
    expect(foreign instanceof SessionError).toBe(false);
    expect(isSessionError(foreign, 'RELOGIN_REQUIRED')).toBe(true);
  });
});
