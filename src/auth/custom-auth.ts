import { classifyFailure, type FailurePhase } from '../errors/classify-failure.ts';
import { SessionError, isSessionError } from '../errors/session-error.ts';
import type { AuthAdapter, AuthContext, Credentials, TokenGrant } from './auth-adapter.ts';

/** What your own login/refresh functions return; `receivedAt` defaults to the clock's now. */
export type CustomGrant = Omit<TokenGrant, 'receivedAt'> & { receivedAt?: number };

/**
 * Your own auth calls, for any backend the built-in adapters do not speak.
 * Throw a {@link SessionError} to choose the outcome (e.g. `kind: 'refreshRejected'` when the refresh
 * token is dead); throw anything carrying a numeric `status` to have it classified like an HTTP
 * response; anything else counts as a temporary failure (back off and retry, never a logout).
 */
export interface CustomAuthFunctions {
  login(credentials: Credentials, ctx: AuthContext): Promise<CustomGrant>;
  refresh(refreshToken: string, ctx: AuthContext): Promise<CustomGrant>;
  logout?(refreshToken: string, ctx: AuthContext): Promise<void>;
}

/**
 * Wraps a plain `{ login, refresh, logout? }` object as an {@link AuthAdapter}, classifying whatever
 * it throws and checking what it returns.
 *
 * @example
 * ```ts
 * const auth = customAuth({
 *   async login({ username, password }) { const r = await myApi.signIn(username, password); return { accessToken: r.jwt, refreshToken: r.rt }; },
 *   async refresh(rt) { return { accessToken: (await myApi.renew(rt)).jwt }; },
 * });
 * ```
 */
export function customAuth(fns: CustomAuthFunctions): AuthAdapter {
  return {
    login: (credentials, ctx) => call(() => fns.login(credentials, ctx), 'login', ctx),
    refresh: (refreshToken, ctx) => call(() => fns.refresh(refreshToken, ctx), 'refresh', ctx),
    async logout(refreshToken, ctx) {
      if (!fns.logout) return;
      try {
        await fns.logout(refreshToken, ctx);
      } catch (thrown) {
        throw classified(thrown, 'refresh');
      }
    },
  };
}

async function call(fn: () => Promise<CustomGrant>, phase: FailurePhase, ctx: AuthContext): Promise<TokenGrant> {
  let result: CustomGrant;
  try {
    result = await fn();
  } catch (thrown) {
    throw classified(thrown, phase);
  }
  if (typeof result !== 'object' || result === null || typeof result.accessToken !== 'string' || result.accessToken === '') {
    throw new SessionError('PROTOCOL', `custom ${phase} returned no accessToken`, { kind: 'protocol' });
  }
  return { ...result, receivedAt: result.receivedAt ?? ctx.clock.now() };
}

function classified(thrown: unknown, phase: FailurePhase): SessionError {
  if (isSessionError(thrown)) return thrown;
  // No `cause`: user code may have put a token in its own error; the classified message is redacted.
  return SessionError.fromFailure(classifyFailure({ thrown }, phase));
}
