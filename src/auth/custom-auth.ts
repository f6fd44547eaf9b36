import { classifyFailure, type FailurePhase } from '../errors/classify-failure.ts';
import { SessionError, isSessionError } from '../errors/session-error.ts';
import { redactSecrets } from '../platform/redact.ts';
import type { AuthAdapter, AuthContext, Credentials, TokenGrant } from './auth-adapter.ts';

/**
 * What your own login/refresh functions return; `receivedAt` defaults to the clock's now.
 *
 * @example
 * ```ts
 * const grant: CustomGrant = { accessToken: jwt, refreshToken: rt, userId: 'u1' };
 * ```
 */
export type CustomGrant = Omit<TokenGrant, 'receivedAt'> & { receivedAt?: number };

/**
 * Your own auth calls, for any backend the built-in adapters do not speak.
 * Throw a {@link SessionError} to choose the outcome (e.g. `kind: 'refreshRejected'` when the refresh
 * token is dead); throw anything carrying a numeric `status` to have it classified like an HTTP
 * response; anything else counts as a temporary failure (back off and retry, never a logout).
 *
 * @example
 * ```ts
 * const fns: CustomAuthFunctions = { login: async (c) => myLogin(c), refresh: async (rt) => myRefresh(rt) };
 * ```
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
    login: (credentials, ctx) => call(() => fns.login(credentials, ctx), 'login', ctx, credentials.password),
    refresh: (refreshToken, ctx) => call(() => fns.refresh(refreshToken, ctx), 'refresh', ctx, refreshToken),
    async logout(refreshToken, ctx) {
      if (!fns.logout) return;
      try {
        await fns.logout(refreshToken, ctx);
      } catch (thrown) {
        throw classified(thrown, 'refresh', refreshToken);
      }
    },
  };
}

async function call(fn: () => Promise<CustomGrant>, phase: FailurePhase, ctx: AuthContext, secret: string): Promise<TokenGrant> {
  let result: CustomGrant;
  try {
    result = await fn();
  } catch (thrown) {
    throw classified(thrown, phase, secret);
  }
  if (typeof result !== 'object' || result === null || typeof result.accessToken !== 'string' || result.accessToken === '') {
    throw new SessionError('PROTOCOL', `custom ${phase} returned no accessToken`, { kind: 'protocol' });
  }
  return { ...result, receivedAt: result.receivedAt ?? ctx.clock.now() };
}

/**
 * User code may have put the secret it was given (refresh token, password) into its error message,
 * and an opaque secret does not look like one to the redactor: blank it out by value. No `cause` for
 * the same reason.
 */
function classified(thrown: unknown, phase: FailurePhase, secret: string): SessionError {
  const failure = isSessionError(thrown) ? thrown.toFailure() : classifyFailure({ thrown }, phase);
  const message = redactSecrets(failure.message, [secret]);
  if (isSessionError(thrown) && message === thrown.message) return thrown;
  return SessionError.fromFailure({ ...failure, message });
}
