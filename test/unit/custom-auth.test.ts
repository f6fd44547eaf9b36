import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/auth-adapter.ts';
import { customAuth } from '../../src/auth/custom-auth.ts';
import { SessionError, isSessionError } from '../../src/errors/session-error.ts';

const ctx: AuthContext = { fetch: globalThis.fetch, clock: { now: () => 7_000 } };

async function failure(promise: Promise<unknown>): Promise<SessionError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isSessionError(error)) throw new Error(`expected a SessionError, got ${String(error)}`);
  return error;
}

describe('customAuth', () => {
  it('passes credentials and context through and stamps receivedAt from the clock', async () => {
    const seen: unknown[] = [];
    const auth = customAuth({
      login: async (credentials, c) => (seen.push(credentials, c), { accessToken: 'a', refreshToken: 'r', userId: 'u1' }),
      refresh: async () => ({ accessToken: 'a2', receivedAt: 99 }),
    });
    expect(await auth.login({ username: 'ann', password: 'pw' }, ctx)).toEqual({ accessToken: 'a', refreshToken: 'r', userId: 'u1', receivedAt: 7_000 });
    expect(seen).toEqual([{ username: 'ann', password: 'pw' }, ctx]);
    expect((await auth.refresh('r', ctx)).receivedAt).toBe(99);
  });

  it('a thrown SessionError keeps its kind', async () => {
    const auth = customAuth({
      login: async () => ({ accessToken: 'a' }),
      refresh: async () => {
        throw new SessionError('RELOGIN_REQUIRED', 'revoked', { kind: 'refreshRejected' });
      },
    });
    expect(await failure(auth.refresh('r', ctx))).toMatchObject({ code: 'RELOGIN_REQUIRED', kind: 'refreshRejected' });
  });

  it('anything else thrown is transient: offline never becomes a relogin', async () => {
    const auth = customAuth({
      login: async () => ({ accessToken: 'a' }),
      refresh: async () => {
        throw new Error('socket hang up');
      },
    });
    expect(await failure(auth.refresh('r', ctx))).toMatchObject({ code: 'NETWORK', kind: 'transient' });
  });

  it('a thrown value with an HTTP status is classified for its phase', async () => {
    const http401 = Object.assign(new Error('Unauthorized'), { status: 401 });
    const auth = customAuth({
      login: async () => {
        throw http401;
      },
      refresh: async () => {
        throw http401;
      },
    });
    expect(await failure(auth.login({ username: 'u', password: 'p' }, ctx))).toMatchObject({ kind: 'credentialsRejected' });
    expect(await failure(auth.refresh('r', ctx))).toMatchObject({ kind: 'refreshRejected' });
  });

  it('a user error mentioning the refresh token does not leak it', async () => {
    const auth = customAuth({
      login: async () => ({ accessToken: 'a' }),
      refresh: async (rt) => {
        throw new Error(`could not refresh with ${rt}`);
      },
    });
    const error = await failure(auth.refresh('rt-secret-value', ctx));
    expect(error.message + JSON.stringify(error)).not.toContain('rt-secret-value');
    expect(error.cause).toBeUndefined();
  });

  it('a user SessionError or login error mentioning the secret does not leak it', async () => {
    const auth = customAuth({
      login: async ({ password }) => {
        throw new Error(`bad password ${password}`);
      },
      refresh: async (rt) => {
        throw new SessionError('RELOGIN_REQUIRED', `revoked: ${rt}`, { kind: 'refreshRejected' });
      },
    });
    const loginError = await failure(auth.login({ username: 'ann', password: 'pw-opaque-1' }, ctx));
    expect(loginError.message).not.toContain('pw-opaque-1');
    const refreshError = await failure(auth.refresh('rt-opaque-2', ctx));
    expect(refreshError).toMatchObject({ kind: 'refreshRejected', code: 'RELOGIN_REQUIRED' });
    expect(refreshError.message).not.toContain('rt-opaque-2');
  });

  it('a result without accessToken is a PROTOCOL error', async () => {
    const auth = customAuth({ login: async () => ({}) as never, refresh: async () => null as never });
    expect(await failure(auth.login({ username: 'u', password: 'p' }, ctx))).toMatchObject({ code: 'PROTOCOL' });
    expect(await failure(auth.refresh('r', ctx))).toMatchObject({ code: 'PROTOCOL' });
  });

  it('logout calls the function when given, is a no-op otherwise, and classifies its failure', async () => {
    const calls: string[] = [];
    const withLogout = customAuth({
      login: async () => ({ accessToken: 'a' }),
      refresh: async () => ({ accessToken: 'a' }),
      logout: async (rt) => {
        calls.push(rt);
        if (rt === 'bad') throw new Error('offline');
      },
    });
    await withLogout.logout('rt-1', ctx);
    expect(calls).toEqual(['rt-1']);
    expect(await failure(withLogout.logout('bad', ctx))).toMatchObject({ kind: 'transient' });
    await expect(customAuth({ login: async () => ({ accessToken: 'a' }), refresh: async () => ({ accessToken: 'a' }) }).logout('rt', ctx)).resolves.toBeUndefined();
  });
});
